"""The xlsx writer's bytes: its parts pinned on varied columns, and the whole file the same
whether a sheet is deflated inline or by the writer's thread.

The pinned digests (of every part's name and uncompressed bytes, so that they do not depend on
the zlib build) were taken from the writer before its serialisation was rebuilt (one f-string
per cell with the row numbers formatted once per chunk, rows joined in one call) and its
compression moved to a thread; a change to them is a change to ``normalized.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
import types
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ade_engine import write, xmlcells
from ade_engine.read.cells import col_letter
from ade_engine.write import XlsxWriter

HEADERS = ["Int", "Big", "Float", "Mixed", "Date", "When", "Text", "Odd", "Empty", "Flag"]

#: sha256 of the parts of the workbook :func:`_write` makes, per case.
PINNED = {
    "gaps": "136909821bde3e5f4544fd3b49fe040a1b9b0f4ad48ef8d1c3041b01bb37e7d2",
    "odd": "02f1ed061366bfa530f7035258646ee3390bbb9c3bb6a5e494618d9db974218b",
    "plain": "ea826d75a21a1f9a1fc19f32b1fb5c7bf24e36759391ebca3111928beebf8c0a",
}


def _columns(case: str, n: int, seed: int) -> list[list[Any]]:
    rnd = random.Random(seed)
    base = dt.date(1950, 1, 1)
    ints = [rnd.randint(-(10**6), 10**6) for _ in range(n)]
    big = [rnd.choice([2**53 - 1, -(2**53) + 1, 7]) for _ in range(n)]
    floats = [rnd.random() * 10 ** rnd.randint(-5, 12) for _ in range(n)]
    mixed = [rnd.choice([1, 2.5, -0.0, 10**20]) for _ in range(n)]
    dates = [base + dt.timedelta(days=rnd.randint(0, 30000)) for _ in range(n)]
    whens = [
        dt.datetime(2020, 1, 1, 8) + dt.timedelta(seconds=rnd.randint(0, 10**7)) for _ in range(n)
    ]
    texts = [rnd.choice(["a & b", "<x>", " pad ", "plain", "Ünïcode", "0012"]) for _ in range(n)]
    odd: list[Any] = [
        rnd.choice(
            [
                True,
                Decimal("1.25"),
                dt.time(13, 5, 7),
                dt.timedelta(hours=30, seconds=1),
                dt.date(1899, 1, 1),
                float("nan"),
                float("inf"),
                2**60,
                "bell\x07",
                "x" * 40000,
                "",
            ]
        )
        for _ in range(n)
    ]
    flags = [rnd.random() < 0.5 for _ in range(n)]
    columns = [ints, big, floats, mixed, dates, whens, texts, odd, [None] * n, flags]
    if case == "gaps":
        for col in columns:
            for i in range(0, n, 3):
                col[i] = None
    if case == "odd":
        for col in columns:
            col[n // 2] = odd[n // 2]
    return columns


def _write(path: Path, case: str) -> bytes:
    writer = XlsxWriter(path, "Normalized", HEADERS)
    for seed in range(3):
        writer.write_columns(_columns(case, 700, seed))
        writer.add_issue(writer.next_row - 1, "Text", "a & b", "check <this>")
    writer.close()
    return path.read_bytes()


def _parts_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            digest.update(name.encode() + b"\0" + zf.read(name) + b"\0")
    return digest.hexdigest()


@pytest.fixture
def fixed_zip_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Zip entries carry the time they were written: fix it, so that bytes compare."""
    fixed = time.struct_time((2020, 1, 1, 0, 0, 0, 2, 1, 0))
    monkeypatch.setattr(
        zipfile, "time", types.SimpleNamespace(time=time.time, localtime=lambda *_: fixed)
    )


@pytest.mark.parametrize("case", sorted(PINNED))
def test_workbook_parts_are_pinned(case: str, tmp_path: Path) -> None:
    _write(tmp_path / "out.xlsx", case)
    assert _parts_digest(tmp_path / "out.xlsx") == PINNED[case]


@pytest.mark.parametrize("case", sorted(PINNED))
def test_deflating_in_a_thread_writes_the_same_bytes(
    case: str, tmp_path: Path, fixed_zip_time: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write, "OFFLOAD_BYTES", 10**12)
    inline = _write(tmp_path / "inline.xlsx", case)
    monkeypatch.setattr(write, "OFFLOAD_BYTES", 0)
    threaded = _write(tmp_path / "threaded.xlsx", case)
    assert inline == threaded


class _FailingSink:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        if len(self.written) == 1:
            raise OSError("disk full")
        self.written.append(data)


def test_a_failed_write_in_the_thread_is_raised_to_the_writer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(write, "OFFLOAD_BYTES", 0)
    sink = _FailingSink()
    deflater = write._Deflater(sink)
    deflater.write(b"first")
    deflater.write(b"second")  # fails in the thread
    with pytest.raises(OSError, match="disk full"):
        for _ in range(3):  # raised at the next write, or at the latest by flush
            deflater.write(b"more")
        deflater.flush()
    assert sink.written == [b"first"]


def test_small_output_is_written_inline_without_a_thread() -> None:
    sink = _FailingSink()
    deflater = write._Deflater(sink)
    deflater.write(b"small")
    assert sink.written == [b"small"]
    assert deflater._thread is None
    deflater.flush()


class _Collect:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data


def test_a_chunk_is_its_columns_cells_row_by_row() -> None:
    """The chunk's row template (one-type columns formatted by it, '%' in texts included)
    writes the cells :func:`xmlcells.column_xml` makes for each column, row after row."""
    n = 40
    columns: list[list[Any]] = [
        list(range(-5, n - 5)),
        [i / 3 for i in range(n)],
        [dt.date(2000, 1, 1) + dt.timedelta(days=i) for i in range(n)],
        [f"{i}% of %s & %(x)s <b> %r" for i in range(n)],
        ["%"] * n,
        ["a", ""] * (n // 2),  # empty cells: written by column_xml
        [None if i % 3 else 2.5 for i in range(n)],
        [dt.date(1899, 1, 1)] * n,  # before 1900-03-01: text
        [True, False] * (n // 2),
        [2**60] * n,
    ]
    sink = _Collect()
    stream = write._SheetStream(sink, HEADERS, [], head=False)
    stream.write_columns(columns)
    letters = [col_letter(i) for i in range(len(columns))]
    rows = [str(r) for r in range(2, 2 + n)]
    cells = [
        xmlcells.column_xml(letter, col, rows) for letter, col in zip(letters, columns, strict=True)
    ]
    expected = "".join(
        f'<row r="{r}">' + "".join(col[i] for col in cells) + "</row>" for i, r in enumerate(rows)
    )
    assert sink.data.decode() == expected
    assert '<c r="D2" t="inlineStr"><is><t xml:space="preserve">0% of %s &amp; %(x)s' in expected


def test_a_chunk_with_a_short_column_is_refused_not_cut() -> None:
    stream = write._SheetStream(_Collect(), HEADERS, [], head=False)
    with pytest.raises(ValueError, match="differ in length"):
        stream.write_columns([[1, 2, 3], ["a", "b"]])


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["a", "b<c", "&"], ["a", "b&lt;c", "&amp;"]),
        (["tab\there", "new\nline", "Ünïcode 中"], ["tab\there", "new\nline", "Ünïcode 中"]),
        (["ok", "bell\x07"], None),  # XML forbids it: the column is written cell by cell
        (["ok", "half \ud800"], None),
        (["ok", "\ufffe"], None),
        (["ok", "sep \ue000 inside"], None),
        (["ok", "x" * 32768], None),  # too long for a cell: cut by cell_xml
    ],
)
def test_plain_texts_are_escaped_or_left_to_the_cell_path(
    texts: list[str], expected: list[str] | None
) -> None:
    result = xmlcells._plain_texts(texts)
    assert (list(result) if result is not None else None) == expected
