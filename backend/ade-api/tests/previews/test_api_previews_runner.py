"""Making extracts in a child process: limits, unreadable files, concurrent first reads."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ade_api.errors import ResourceLimitError, UnreadableDocumentError
from ade_api.previews.extract import FORMAT, META, ExtractMeta
from ade_api.previews.pages import load_meta
from ade_api.previews.runner import ExtractLimits, Extracts


def write_csv(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,name,email,amount,joined\n")
        for i in range(rows):
            fh.write(f"{i},Name {i},user{i}@example.com,{i * 1.5},2024-01-{i % 28 + 1:02d}\n")
    return path


def write_dense_xlsx(path: Path, rows: int = 300_000, cols: int = 10) -> Path:
    """A small file (under 1 MB: its sheet XML compresses well) whose sheet is millions of
    cells once loaded: what a preview's memory and CPU limits are for."""
    workbook = openpyxl.Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = "".join(f"<c><v>{c}</v></c>" for c in range(cols))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        '.org/spreadsheetml/2006/main"><sheetData>'
        + "".join(f'<row r="{r}">{cells}</row>' for r in range(1, rows + 1))
        + "</sheetData></worksheet>"
    )
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            is_sheet = item.filename == "xl/worksheets/sheet1.xml"
            dst.writestr(item.filename, sheet.encode() if is_sheet else src.read(item))
    return path


def leftovers(folder: Path) -> list[str]:
    """Temporary folders next to the extract (a finished or failed make leaves none)."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith("."))


def test_an_extract_is_made_once_and_then_read_from_disk(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "source.csv", 50)
    folder = tmp_path / "doc" / "preview"
    extracts = Extracts(ExtractLimits())
    # The upload's name reaches the child (even one that looks like an option) and names the
    # CSV's sheet; the storage name ("source") never shows.
    meta = extracts.ensure(source, folder, "--Q1 members.csv")
    assert [(s.name, s.rows, s.columns) for s in meta.sheets] == [("--Q1 members", 51, 5)]
    assert extracts.ensure(source, folder) == meta
    assert extracts.runs == 1
    assert sorted(p.name for p in folder.iterdir()) == ["0.idx", "0.jsonl", META]
    assert leftovers(folder) == []


def test_concurrent_first_reads_make_one_whole_extract(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "source.csv", 20_000)
    folder = tmp_path / "doc" / "preview"
    # Two "processes" (separate makers, so no shared lock), two requests in each.
    makers = [Extracts(ExtractLimits()), Extracts(ExtractLimits())]
    results: list[ExtractMeta] = []
    errors: list[BaseException] = []

    def read(maker: Extracts) -> None:
        try:
            results.append(maker.ensure(source, folder))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(m,)) for m in makers for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 4
    assert all(r == results[0] for r in results)
    assert [m.runs for m in makers] == [1, 1]  # a process's second request waited for its first
    assert load_meta(folder) == results[0]
    assert results[0].sheets[0].rows == 20_001
    assert leftovers(folder) == []


def test_an_out_of_date_extract_is_made_again(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "source.csv", 5)
    folder = tmp_path / "doc" / "preview"
    extracts = Extracts(ExtractLimits())
    extracts.ensure(source, folder)
    raw = json.loads((folder / META).read_bytes())
    (folder / META).write_text(json.dumps({**raw, "format": FORMAT - 1}))
    assert extracts.ensure(source, folder).format == FORMAT
    assert extracts.runs == 2
    assert leftovers(folder) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 not a zip at all", "source.xlsx could not be read as xlsx"),
        (b"", "source.xlsx is empty"),
    ],
)
def test_an_unreadable_file_is_a_clear_problem(
    tmp_path: Path, content: bytes, message: str
) -> None:
    source = tmp_path / "source.xlsx"
    source.write_bytes(content)
    folder = tmp_path / "doc" / "preview"
    with pytest.raises(UnreadableDocumentError, match=message):
        Extracts(ExtractLimits()).ensure(source, folder)
    assert not folder.exists()
    assert leftovers(folder) == []


def test_the_memory_limit_stops_the_reader(tmp_path: Path) -> None:
    source = write_dense_xlsx(tmp_path / "source.xlsx")
    folder = tmp_path / "doc" / "preview"
    with pytest.raises(ResourceLimitError, match="64 MB memory limit"):
        Extracts(ExtractLimits(memory_mb=64)).ensure(source, folder)
    assert not folder.exists()
    assert leftovers(folder) == []


def test_the_cpu_limit_stops_the_reader(tmp_path: Path) -> None:
    source = write_dense_xlsx(tmp_path / "source.xlsx")
    folder = tmp_path / "doc" / "preview"
    with pytest.raises(ResourceLimitError, match=r"SIGXCPU|SIGKILL"):
        Extracts(ExtractLimits(cpu_seconds=1)).ensure(source, folder)
    assert not folder.exists()


def test_the_wall_clock_limit_kills_the_reader(tmp_path: Path) -> None:
    source = write_dense_xlsx(tmp_path / "source.xlsx")
    folder = tmp_path / "doc" / "preview"
    with pytest.raises(ResourceLimitError, match=r"longer than the preview's 0.5 s limit"):
        Extracts(ExtractLimits(timeout_seconds=0.5)).ensure(source, folder)
    assert not folder.exists()
    assert leftovers(folder) == []


def test_the_cap_on_rows_is_passed_to_the_reader(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "source.csv", 100)
    meta = Extracts(ExtractLimits(max_rows=10)).ensure(source, tmp_path / "doc" / "preview")
    assert meta.truncated
    assert (meta.sheets[0].rows, meta.sheets[0].truncated) == (10, True)
