"""The artifact contract: what the engine writes is exactly the declared shape, readers' check
rejects what is not, mypy catches a misspelt key, and the API and worker can load it cheaply."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ade_engine import init_config, run
from ade_engine.artifact_types import ArtifactError, load_artifact, parse_artifact

SAMPLE = Path(__file__).parents[2] / "src/ade_engine/templates/roster/samples/members.csv"

RUN_END_RAISES = """
def run(*, stage, **_):
    raise RuntimeError("cleanup failed")
"""


def _written(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "artifact.json").read_text(encoding="utf-8"))
    return data


def test_a_succeeded_workbook_run_writes_exactly_the_contract(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    # Most optional parts at once: a title row (a sheet decision), a hidden column, a stacked
    # header, a required field left unmapped (a table issue), a hidden and an empty sheet.
    workbook = xlsx(
        [
            {
                "name": "Roster",
                "rows": [
                    ["Members 2024"],
                    [],
                    ["Person", None, "Contact"],
                    ["Member ID", "Name", "Email"],
                    *[[i, f"N{i}", f"n{i}@example.org"] for i in range(1, 6)],
                ],
                "merges": [(2, 0, 2, 1, "Person")],
                "hidden_cols": [1],
            },
            {"name": "Secret", "rows": [["Member ID"], [1]], "hidden": True},
            {"name": "Blank", "rows": []},
        ]
    )
    config = config_dir(required={"phone"})
    result = run(workbook, config, tmp_path / "out")
    assert result.ok, result.error
    artifact = parse_artifact(_written(tmp_path / "out"), strict=True)
    (roster, secret, blank) = artifact["sheets"]
    assert roster["decisions"]
    assert roster["hidden_columns"] == ["B"]
    assert roster["tables"][0]["table_issues"][0]["field"] == "phone"
    assert roster["tables"][0]["stacked_header"]
    assert (secret["status"], blank["status"]) == ("skipped", "skipped")


def test_a_csv_run_writes_the_csv_details(tmp_path: Path) -> None:
    config = init_config(tmp_path / "roster")
    assert run(SAMPLE, config, tmp_path / "out").ok
    artifact = parse_artifact(_written(tmp_path / "out"), strict=True)
    assert artifact["input"]["format"] == "csv"
    assert "encoding" in artifact["input"]


def test_a_failed_run_with_a_failing_run_end_hook_writes_exactly_the_contract(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        modules={"email": "def transform(*, values, **_):\n    raise ValueError('bad')\n"},
        hooks={"run_end": ["hooks/cleanup.py"]},
        files={"hooks/cleanup.py": RUN_END_RAISES},
    )
    workbook = xlsx([{"name": "S", "rows": [["Member ID", "Email"], [1, "a@x.org"]]}])
    assert run(workbook, config, tmp_path / "out").status == "failed"
    artifact = parse_artifact(_written(tmp_path / "out"), strict=True)
    assert artifact["error"] is not None
    assert artifact["error"]["exception"] == "ValueError"
    assert artifact["secondary_errors"][0]["hook"] == "hooks/cleanup.py"
    assert artifact["output"] is None


def test_an_unreadable_input_still_writes_the_contract(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    assert run(broken, init_config(tmp_path / "c"), tmp_path / "out").status == "failed"
    artifact = parse_artifact(_written(tmp_path / "out"), strict=True)
    assert artifact["error"] is not None
    assert artifact["error"]["type"] == "input"


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("valid")
    assert run(SAMPLE, init_config(tmp / "c"), tmp / "out").ok
    return _written(tmp / "out")


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("schema", "ade.artifact/v2"), "not an ade.artifact/v1 artifact"),
        (_drop("metrics"), "artifact: missing metrics"),
        (_drop("sheets.0.tables.0.rows"), "artifact.sheets[0].tables[0]: missing rows"),
        (_set("sheets.0.tables.0.issues.count", "7"), "tables[0].issues.count: expected int"),
        (_set("sheets.0.tables", {}), "artifact.sheets[0].tables: expected a list"),
        (_set("sheets.0.tables.0.status", "lost"), "tables[0].status: unexpected value 'lost'"),
        (_set("metrics.issues", True), "artifact.metrics.issues: expected int"),
        (_set("output", []), "artifact.output: unexpected list"),
        (_set("error", {"type": "x"}), "artifact.error: unexpected dict"),
    ],
)
def test_the_check_says_where_data_is_not_an_artifact(
    valid: dict[str, Any], change: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = copy.deepcopy(valid)
    change(data)
    with pytest.raises(ArtifactError) as caught:
        parse_artifact(data)
    assert message in str(caught.value)


def test_readers_keep_keys_hooks_added_and_strict_does_not(valid: dict[str, Any]) -> None:
    data = copy.deepcopy(valid)
    data["audit"] = {"rows": 5}
    data["sheets"][0]["tables"][0]["note"] = "checked"
    assert load_artifact(json.dumps(data)) == data  # checked, and returned as it was
    with pytest.raises(ArtifactError, match="artifact: undeclared audit"):
        parse_artifact(data, strict=True)


@pytest.mark.parametrize("text", ["", "{", b"\xff\xfe{}", "[]", "null", '"artifact"'])
def test_text_that_is_no_artifact_object(text: str | bytes) -> None:
    with pytest.raises(ArtifactError):
        load_artifact(text)


def test_mypy_catches_a_misspelt_key(tmp_path: Path) -> None:
    from mypy import api

    reader = tmp_path / "reader.py"
    reader.write_text(
        "from ade_engine.artifact_types import Artifact\n\n\n"
        "def rows(artifact: Artifact) -> int:\n"
        '    return artifact["metrics"]["rows_procesed"]\n'
    )
    out, _, status = api.run(["--no-incremental", "--cache-dir", str(tmp_path), str(reader)])
    assert status == 1
    assert 'TypedDict "Metrics" has no key "rows_procesed"' in out


def test_the_contract_loads_without_numpy_scipy_or_calamine() -> None:
    """The API and the worker read artifacts: that must not load the engine's heavy parts."""
    code = """
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("numpy", "scipy", "python_calamine"):
            raise ImportError(f"{name} is blocked")

sys.meta_path.insert(0, Block())
import ade_engine.artifact_types, ade_engine.artifact
print(sorted(m for m in sys.modules if m.startswith("ade_engine")))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(
        ["ade_engine", "ade_engine.artifact", "ade_engine.artifact_types"]
    )
