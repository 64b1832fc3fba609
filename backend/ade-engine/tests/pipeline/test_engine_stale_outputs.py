"""A failed run leaves no normalized.xlsx in the output folder (not even an earlier run's that
could be taken for this one's) and no temporary files, wherever it fails."""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ade_engine import run

FIELDS: list[tuple[str, str, list[str]]] = [
    ("member_id", "Member ID", []),
    ("email", "Email", []),
]
ROWS = [["Member ID", "Email"]] + [[i, f"user{i}@x.org"] for i in range(1, 8)]


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the tempfile module at an empty folder, to see whatever the run leaves there."""
    root = tmp_path / "system-tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def zipped(folder: Path) -> Path:
    path = folder.with_suffix(".zip")
    with zipfile.ZipFile(path, "w") as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(folder).as_posix())
    shutil.rmtree(folder)
    return path


FAILURES: dict[str, dict[str, Any]] = {
    "unreadable input": {"input": "broken"},
    "config code in the second chunk": {
        "engine": {"chunk_rows": 2},
        "modules": {
            "email": """
            def transform(*, values, chunk_index, **_):
                if chunk_index == 1:
                    raise RuntimeError("second chunk")
                return values
            """
        },
    },
    "before_save hook": {
        "hooks": {"before_save": ["hooks/h.py"]},
        "files": {"hooks/h.py": "def run(**_):\n    raise RuntimeError('no')\n"},
    },
    "run_end hook after the output was written": {
        "hooks": {"run_end": ["hooks/h.py"]},
        "files": {"hooks/h.py": "def run(**_):\n    raise RuntimeError('no')\n"},
    },
    "run_start hook, zipped config": {
        "zip": True,
        "hooks": {"run_start": ["hooks/h.py"]},
        "files": {"hooks/h.py": "def run(**_):\n    raise RuntimeError('no')\n"},
    },
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_failed_run_removes_an_earlier_output_and_leaves_no_temp_files(
    tmp_path: Path,
    temp_root: Path,
    xlsx: Callable[..., Path],
    config_dir: Callable[..., Path],
    case: str,
) -> None:
    out = tmp_path / "out"
    good = xlsx([{"name": "S", "rows": ROWS}])
    first = run(good, config_dir(fields=FIELDS), out)
    assert first.ok, first.error
    assert (out / "normalized.xlsx").exists()

    spec = dict(FAILURES[case])
    source = good
    if spec.pop("input", None) == "broken":
        source = tmp_path / "broken.xlsx"
        source.write_bytes(b"PK\x03\x04 truncated")
    make_zip = spec.pop("zip", False)
    config = config_dir(fields=FIELDS, **spec)
    if make_zip:
        config = zipped(config)
    result = run(source, config, out)

    assert result.status == "failed"
    assert result.output_path is None
    assert sorted(p.name for p in out.iterdir()) == ["artifact.json", "events.ndjson"]
    art = json.loads((out / "artifact.json").read_text())
    assert art["status"] == "failed"
    assert art["input"]["name"] == source.name
    assert art["error"] == result.error
    assert list(temp_root.iterdir()) == []


def test_output_that_cannot_be_moved_into_place_leaves_no_temp_file(
    tmp_path: Path, temp_root: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    (out / "normalized.xlsx").mkdir(parents=True)  # in the way, and not ours to delete
    result = run(xlsx([{"name": "S", "rows": ROWS}]), config_dir(fields=FIELDS), out)
    assert result.status == "failed"
    assert result.error is not None
    assert result.error["type"] == "output"
    assert "could not write normalized.xlsx" in result.error["message"]
    assert sorted(p.name for p in out.iterdir()) == [
        "artifact.json",
        "events.ndjson",
        "normalized.xlsx",
    ]
    assert (out / "normalized.xlsx").is_dir()
    assert list(temp_root.iterdir()) == []


def test_a_successful_run_replaces_the_earlier_output(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    config = config_dir(fields=FIELDS)
    assert run(xlsx([{"name": "S", "rows": ROWS}]), config, out).ok
    small = xlsx([{"name": "S", "rows": ROWS[:3]}], name="small.xlsx")
    result = run(small, config, out)
    assert result.ok, result.error
    assert result.artifact["output"] is not None
    assert result.artifact["output"]["rows"] == 2
    assert sorted(p.name for p in out.iterdir()) == [
        "artifact.json",
        "events.ndjson",
        "normalized.xlsx",
    ]


def test_the_input_is_never_overwritten(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    source = xlsx([{"name": "S", "rows": ROWS}])
    inside = out / "normalized.xlsx"
    shutil.copy(source, inside)
    before = inside.read_bytes()
    result = run(inside, config_dir(fields=FIELDS), out)
    assert result.status == "failed"
    assert result.error is not None
    assert "would overwrite" in result.error["message"]
    assert inside.read_bytes() == before
