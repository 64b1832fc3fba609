"""validate_config: every problem with its JSON path or file and line; zips; module isolation."""

from __future__ import annotations

import json
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ade_engine import run, validate_config
from ade_engine.config import load_config


def problems_of(path: Path) -> list[str]:
    return [str(p) for p in validate_config(path)]


def edit_manifest(root: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = json.loads((root / "manifest.json").read_text())
    change(data)
    (root / "manifest.json").write_text(json.dumps(data))
    return root


def test_valid_package_has_no_problems(config_dir: Callable[..., Path]) -> None:
    assert validate_config(config_dir()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.update(extra=1), "extra: unknown key"),
        (lambda m: m.update(schema="ade.manifest/v2"), "schema: must be 'ade.manifest/v1'"),
        (
            lambda m: m["columns"][2].update(path="columns/missing.py"),
            "columns[2].path: file not found",
        ),
        (lambda m: m["columns"][1].update(field="Email"), "columns[1].field: must match"),
        (
            lambda m: m["columns"][1].update(field="member_id"),
            "columns[1].field: duplicate field 'member_id'",
        ),
        (lambda m: m["columns"][3].update(ordinal=1), "columns[3].ordinal: duplicate ordinal 1"),
        (lambda m: m["columns"][0].update(ordinal=0), "columns[0].ordinal: must be a positive"),
        (lambda m: m["columns"][0].update(path="../outside.py"), "columns[0].path: must be a rel"),
        (lambda m: m["columns"][0].update(colour="red"), "columns[0].colour: unknown key"),
        (lambda m: m["columns"][0].update(synonyms="id"), "columns[0].synonyms: must be a list"),
        (lambda m: m["engine"].update(min_scor=1), "engine.min_scor: unknown key"),
        (lambda m: m["engine"].update(unmapped_columns="keep"), "engine.unmapped_columns: must"),
        (lambda m: m["engine"].update(sample_size=0), "engine.sample_size: must be a positive"),
        (
            lambda m: m["engine"].update(incomplete_tables="drop"),
            "engine.incomplete_tables: must be 'skip', 'write' or 'fail'",
        ),
        (lambda m: m["engine"].update(output_sheet="Issues"), "engine.output_sheet: must be"),
        (lambda m: m.update(hooks={"on_save": []}), "hooks.on_save: unknown stage"),
        (lambda m: m.update(hooks={"run_end": ["hooks/nope.py"]}), "hooks.run_end[0]: file not"),
        (
            lambda m: m.update(row_types=[{"name": "Total", "path": "x.py"}]),
            "row_types[0].name: must match",
        ),
        (lambda m: m.update(columns=[]), "columns: must be a non-empty list"),
    ],
)
def test_manifest_problems_name_the_json_path(
    config_dir: Callable[..., Path], change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    root = edit_manifest(config_dir(), change)
    problems = problems_of(root)
    assert any(p.startswith(expected) for p in problems), problems


def test_several_problems_are_all_listed(config_dir: Callable[..., Path]) -> None:
    def change(m: dict[str, Any]) -> None:
        m["extra"] = 1
        m["columns"][0]["path"] = "columns/gone.py"
        m["engine"]["min_score"] = "high"

    problems = problems_of(edit_manifest(config_dir(), change))
    assert len(problems) == 3


def test_invalid_json_names_the_line(config_dir: Callable[..., Path]) -> None:
    root = config_dir()
    (root / "manifest.json").write_text('{\n  "schema": "ade.manifest/v1",\n  oops\n}')
    (problem,) = validate_config(root)
    assert (problem.file, problem.line) == ("manifest.json", 3)


def test_module_problems_name_file_and_line(config_dir: Callable[..., Path]) -> None:
    root = config_dir(
        modules={
            "email": "def detect_x(*, values):\n    return 1\n",
            "phone": "import json\n\nraise RuntimeError('at import')\n",
            "amount": "def transform(values, **_):\n    return values\n\ndef validate(*, values):\n"
            "    return values\n",
        },
        hooks={"run_start": ["hooks/h.py"]},
        files={"hooks/h.py": "def not_run(**_):\n    pass\n"},
        row_types=[{"name": "total", "path": "row_types/total.py"}],
    )
    (root / "row_types").mkdir()
    (root / "row_types" / "total.py").write_text("def classify(*, values, **_):\n    return None\n")
    problems = {(p.file, p.line): p.message for p in validate_config(root)}
    assert "detect_x must accept" in problems[("columns/email.py", 1)]
    assert "RuntimeError" in problems[("columns/phone.py", 3)]
    assert "validate must accept" in problems[("columns/amount.py", 4)]
    assert "hook module must define run()" in problems[("hooks/h.py", 1)]
    assert len(problems) == 4


def test_zip_package(
    tmp_path: Path, config_dir: Callable[..., Path], xlsx: Callable[..., Path]
) -> None:
    root = config_dir()
    archive = tmp_path / "config.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in root.rglob("*"):
            if p.is_file():
                zf.write(p, f"myconfig/{p.relative_to(root).as_posix()}")
    assert validate_config(archive) == []
    wb = xlsx([{"name": "S", "rows": [["Member ID", "Email"], [1, "a@x.org"], [2, "b@x.org"]]}])
    assert run(wb, archive, tmp_path / "out").ok


def test_zip_with_path_traversal_is_rejected(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escape.py", "x = 1")
        zf.writestr("manifest.json", "{}")
    (problem,) = validate_config(archive)
    assert "unsafe path" in problem.message


def test_two_configs_in_one_process_do_not_share_modules(config_dir: Callable[..., Path]) -> None:
    shared = "VALUE = {value}\n"
    module = """
        from . import _shared

        def detect_x(**_):
            return _shared.VALUE
        """
    a = config_dir(modules={"email": module}, files={"columns/_shared.py": shared.format(value=1)})
    b = config_dir(modules={"email": module}, files={"columns/_shared.py": shared.format(value=2)})
    before = set(sys.modules)
    with load_config(a) as ca, load_config(b) as cb:
        assert ca.namespace != cb.namespace
        ((_, fa),) = [d for m in ca.columns if m.spec.field == "email" for d in m.detectors]
        ((_, fb),) = [d for m in cb.columns if m.spec.field == "email" for d in m.detectors]
        assert (fa(), fb()) == (1, 2)
        assert any(name.startswith(ca.namespace) for name in sys.modules)
    assert set(sys.modules) - before == set()


def test_engine_settings_are_applied(config_dir: Callable[..., Path]) -> None:
    root = config_dir(engine={"min_score": 0.8, "sample_size": 10, "include_source": True})
    with load_config(root) as cfg:
        assert cfg.manifest.engine.min_score == 0.8
        assert cfg.manifest.engine.sample_size == 10
        assert cfg.manifest.engine.include_source is True
        assert cfg.manifest.engine.output_sheet == "Normalized"
        assert cfg.manifest.engine.incomplete_tables == "skip"
    root = config_dir(engine={"incomplete_tables": "fail"})
    with load_config(root) as cfg:
        assert cfg.manifest.engine.incomplete_tables == "fail"


def test_a_problem_names_its_file_once(config_dir: Callable[..., Path]) -> None:
    # `ade config validate` printed "columns/email.py:1: columns/email.py: detect_x must ...".
    root = config_dir(
        modules={
            "email": "def detect_x(*, values):\n    return 1\n",
            # A detector defined in another file of the package: the module is named too.
            "phone": "from ._shared import detect_shared\n",
        },
        files={"columns/_shared.py": "def detect_shared(*, values):\n    return 1\n"},
    )
    assert sorted(problems_of(root)) == [
        "columns/_shared.py:1: columns/phone.py: detect_shared must accept keyword arguments"
        " only and end with **_",
        "columns/email.py:1: detect_x must accept keyword arguments only and end with **_",
    ]
