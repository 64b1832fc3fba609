"""ade_engine.strict_json and the manifest readers built on it: RFC 8259 JSON only (no NaN,
no Infinity, no number too large for a float) and no nesting deeper than 64 levels."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ade_engine import strict_json
from ade_engine.config import check_package, read_manifest
from ade_engine.manifest import ConfigProblem, load_manifest
from ade_engine.scaffold import empty_package

REFUSED = {
    "nan": '{"min_score": NaN}',
    "infinity": "[Infinity]",
    "minus-infinity": '{"a": [1, -Infinity]}',
    "overflow": '{"min_score": 1e309}',
    "minus-overflow": "[-1E400]",
    "overflow-with-fraction": "[1.5e999]",
    "one-level-too-deep": "[" * 65 + "]" * 65,
    "ten-thousand-levels": "[" * 10_000 + "]" * 10_000,
    "objects-too-deep": '{"a":' * 65 + "1" + "}" * 65,
    "unclosed-depth": "[" * 1_000_000,
    "too-many-digits": "1" * 5_000,
}
ACCEPTED: dict[str, tuple[str, Any]] = {
    "the-limit": ("[" * 64 + "]" * 64, None),
    "largest-float": ("[1.7976931348623157e308]", [1.7976931348623157e308]),
    "brackets-in-strings": ('["[[[[", "\\"]]]", "{{{"]', ["[[[[", '"]]]', "{{{"]),
    "words-not-constants": ('{"NaN": "Infinity"}', {"NaN": "Infinity"}),
    "huge-integer": ("1" + "0" * 400, 10**400),
    "tiny-float": ("[1e-400]", [0.0]),  # underflows to zero: finite, so representable
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_json_raises_json_refused_error(case: str) -> None:
    with pytest.raises(strict_json.JsonRefusedError):
        strict_json.loads(REFUSED[case])


@pytest.mark.parametrize("case", ACCEPTED)
def test_strict_json_still_reads_what_json_allows(case: str) -> None:
    text, expected = ACCEPTED[case]
    result = strict_json.loads(text)
    assert result == (expected if expected is not None else json.loads(text))


def test_not_json_at_all_is_a_json_decode_error_with_its_line() -> None:
    with pytest.raises(json.JSONDecodeError) as info:
        strict_json.loads('{\n  "a": 1,\n  oops\n}')
    assert not isinstance(info.value, strict_json.JsonRefusedError)
    assert info.value.lineno == 3


def test_bytes_are_decoded_as_json_loads_decodes_them() -> None:
    assert strict_json.loads('{"é": [1]}'.encode()) == {"é": [1]}
    assert strict_json.loads('{"a": 1}'.encode("utf-16")) == {"a": 1}
    assert strict_json.loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    with pytest.raises(strict_json.JsonRefusedError):
        strict_json.loads(b"[NaN]")


def _nested(rng: random.Random, depth: int) -> tuple[Any, int]:
    """A random JSON value and its true nesting depth (strings full of brackets and quotes)."""
    if depth == 0 or rng.random() < 0.3:
        return rng.choice([1, -2.5, True, None, '"[{', "]}\\", '\\\\"[', "plain"]), 0
    children = [_nested(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    deepest = 1 + max((d for _, d in children), default=0)
    if rng.random() < 0.5:
        return [value for value, _ in children], deepest
    return {f"k{i}[": value for i, (value, _) in enumerate(children)}, deepest


@pytest.mark.parametrize("seed", range(40))
def test_the_depth_limit_counts_exactly_the_nesting(seed: int) -> None:
    rng = random.Random(seed)
    value, depth = _nested(rng, rng.randint(1, 12))
    text = json.dumps(value, indent=rng.choice([None, 1]))
    assert strict_json.loads(text, max_depth=depth) == value
    if depth:
        with pytest.raises(strict_json.JsonRefusedError, match=f"deeper than {depth - 1} "):
            strict_json.loads(text, max_depth=depth - 1)


def test_deep_input_is_refused_without_recursing() -> None:
    # A recursion limit far below the nesting: any recursive parse or check would fail.
    code = (
        "import sys; from ade_engine import strict_json; sys.setrecursionlimit(60)\n"
        "try:\n    strict_json.loads('[' * 200000 + ']' * 200000)\n"
        "except strict_json.JsonRefusedError as e:\n    print('refused', e)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.startswith("refused arrays and objects are nested deeper than 64")


# --- manifest.json, as the engine and the API read it ----------------------------------------


@pytest.mark.parametrize("case", ["nan", "infinity", "overflow", "objects-too-deep"])
def test_load_manifest_reports_refused_json_as_a_problem_of_the_file(case: str) -> None:
    data, problems = load_manifest(REFUSED[case].encode())
    assert data is None
    assert len(problems) == 1
    assert problems[0].file == "manifest.json"
    assert problems[0].message.startswith("invalid JSON: ")


def test_load_manifest_keeps_the_line_of_a_syntax_error_and_refuses_other_encodings() -> None:
    assert load_manifest(b'{\n"a": }') == (
        None,
        [ConfigProblem(message="invalid JSON: Expecting value", file="manifest.json", line=2)],
    )
    assert load_manifest(b"\xff{}")[1] == [ConfigProblem(message="not UTF-8", file="manifest.json")]
    assert load_manifest(b'{"a": [1]}') == ({"a": [1]}, [])


def test_a_package_whose_manifest_has_nan_fails_the_engine_check(tmp_path: Path) -> None:
    files = empty_package("Tricky")
    files["manifest.json"] = files["manifest.json"].replace(
        b'"engine": {}', b'"engine": {"min_score": NaN}'
    )
    assert b"NaN" in files["manifest.json"]
    for rel, content in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(content)
    data, problems = read_manifest(tmp_path)
    assert data is None
    assert [p.file for p in problems] == ["manifest.json"]
    assert "NaN" in problems[0].message
    assert [str(p) for p in check_package(tmp_path)] == [str(problems[0])]
