"""Failed runs: a failed artifact.json with the error (and the config file and line when the
error came from config code), and no partial normalized.xlsx."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ade_engine import run


def zipfile_without_workbook() -> bytes:
    """A real zip named .xlsx with no workbook in it: the reader (calamine) refuses it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    return buffer.getvalue()


def failed(
    tmp_path: Path, input_path: Path, config: Path, input_name: str | None = None
) -> dict[str, Any]:
    out = tmp_path / "out"
    result = run(input_path, config, out, input_name=input_name)
    assert result.status == "failed"
    assert result.output_path is None
    assert not (out / "normalized.xlsx").exists()
    assert not list(out.glob(".normalized-*"))
    art: dict[str, Any] = json.loads((out / "artifact.json").read_text())
    assert art["status"] == "failed"
    assert art["error"] == result.error
    events = [json.loads(line) for line in (out / "events.ndjson").read_text().splitlines()]
    assert events[-1]["event"] == "run.failed"
    return art


UNREADABLE = [
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n,,\n\n", "no data"),
    ("corrupt.xlsx", b"PK\x03\x04 not really a zip", "corrupt"),
    ("hollow.xlsx", zipfile_without_workbook(), "could not be read as xlsx"),
    (
        "locked.xlsx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"),
        "encrypted",
    ),
    ("scan.pdf", b"%PDF-1.4", "unsupported"),
]


@pytest.mark.parametrize(("name", "content", "message"), UNREADABLE)
def test_unreadable_input(
    tmp_path: Path, config_dir: Callable[..., Path], name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    art = failed(tmp_path, path, config_dir())
    assert art["error"]["type"] == "input"
    assert message in art["error"]["message"]
    assert art["input"]["name"] == name


@pytest.mark.parametrize(("name", "content", "message"), UNREADABLE)
def test_an_unreadable_inputs_error_names_the_upload_not_the_staged_file(
    tmp_path: Path, config_dir: Callable[..., Path], name: str, content: bytes, message: str
) -> None:
    # A job's input is staged as source<ext>; the user uploaded "Q1 <name>".
    staged = tmp_path / f"source{Path(name).suffix}"
    staged.write_bytes(content)
    art = failed(tmp_path, staged, config_dir(), input_name=f"Q1 {name}")
    assert message in art["error"]["message"]
    assert f"Q1 {name}" in art["error"]["message"]
    assert "source" not in art["error"]["message"]


def test_empty_workbook(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    art = failed(tmp_path, xlsx([{"name": "A"}, {"name": "B"}]), config_dir())
    assert "no data" in art["error"]["message"]


GOOD = [["Member ID", "Email"], [1, "a@x.org"], [2, "b@x.org"], [3, "c@x.org"]]


@pytest.mark.parametrize(
    ("field", "source", "file", "line", "text"),
    [
        (
            "email",
            """
        def detect_x(*, values, **_):
            total = 0
            return 1 / total
        """,
            "columns/email.py",
            4,
            "ZeroDivisionError",
        ),
        (
            "email",
            """
        def transform(*, values, **_):
            return values[:1]
        """,
            "columns/email.py",
            2,
            "same length",
        ),
        (
            "member_id",
            """
        def validate(*, values, **_):
            raise ValueError("bad validator")
        """,
            "columns/member_id.py",
            3,
            "bad validator",
        ),
        (
            "email",
            """
        from . import _helper

        def transform(*, values, **_):
            return _helper.clean(values)
        """,
            "columns/_helper.py",
            4,
            "KeyError",
        ),
        (
            "email",
            """
        def detect_x(*, values, **_):
            return "high"
        """,
            "columns/email.py",
            2,
            "expected a float",
        ),
    ],
)
def test_config_code_errors_name_file_and_line(
    tmp_path: Path,
    xlsx: Callable[..., Path],
    config_dir: Callable[..., Path],
    field: str,
    source: str,
    file: str,
    line: int,
    text: str,
) -> None:
    config = config_dir(
        modules={field: source},
        files={
            "columns/_helper.py": """
        def clean(values):
            mapping = {}
            return [mapping[v] for v in values]
        """
        },
    )
    art = failed(tmp_path, xlsx([{"name": "S", "rows": GOOD}]), config)
    error = art["error"]
    assert error["type"] == "config_code"
    assert (error["file"], error["line"]) == (file, line)
    assert text in error["message"]


def test_hook_raising_fails_the_run_with_its_path_and_line(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        hooks={"before_save": ["hooks/check.py"]},
        files={
            "hooks/check.py": """
        def run(*, stage, state, **_):
            if stage == "before_save":
                raise RuntimeError("refusing to save")
        """
        },
    )
    art = failed(tmp_path, xlsx([{"name": "S", "rows": GOOD}]), config)
    assert art["error"]["file"] == "hooks/check.py"
    assert art["error"]["line"] == 4
    assert "refusing to save" in art["error"]["message"]


def test_import_error_in_config_module(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(modules={"email": "x = 1\ndef broken(:\n"})
    art = failed(tmp_path, xlsx([{"name": "S", "rows": GOOD}]), config)
    assert art["error"]["file"] == "columns/email.py"
    assert art["error"]["line"] == 2


def test_invalid_manifest_fails_with_json_path(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(extra={"colour": "blue"})
    art = failed(tmp_path, xlsx([{"name": "S", "rows": GOOD}]), config)
    assert art["error"]["type"] == "config"
    assert "colour: unknown key" in art["error"]["message"]


def test_missing_config(tmp_path: Path, xlsx: Callable[..., Path]) -> None:
    art = failed(tmp_path, xlsx([{"name": "S", "rows": GOOD}]), tmp_path / "nope")
    assert "not found" in art["error"]["message"]
