"""CSV typed by column and read once: the same values, rows and outputs as typing each value
of every read with :func:`type_text`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ade_engine import init_config, run
from ade_engine.read import csv as csv_read
from ade_engine.read import open as open_module
from ade_engine.read import open_workbook
from ade_engine.read import spill as spill_module
from ade_engine.read.csvtype import (
    COMMA_KINDS,
    DATES,
    DOT_KINDS,
    MIXED,
    PLAIN,
    BlockTyper,
    TypedBlock,
    type_text,
    type_text_decimal_comma,
)
from ade_engine.read.sheet import Sheet, Workbook
from ade_engine.read.spill import RowSpill, decode, encode
from ade_engine.testing import run_outputs, write_csv

MODES = [(type_text, DOT_KINDS), (type_text_decimal_comma, COMMA_KINDS)]

TRICKY = [
    "",
    " ",
    "  ",
    "0",
    "00",
    "007",
    "00123",
    "-0",
    "-",
    "--",
    ".",
    "-.",
    "42",
    " 42",
    "42 ",
    "-17",
    "123456789012345",
    "1234567890123456",
    "1,234",
    "1,234,567",
    "12,34",
    "1,2",
    "1.234",
    "1.234.567",
    "1.234,56",
    "1,5",
    "-0,25",
    "12.5",
    ".5",
    "-3.",
    "1e3",
    "1E-5",
    "5e-05",
    "1,234.50",
    "inf",
    "nan",
    "2024-03-15",
    "2024-02-30",
    "0000-01-01",
    "2024/03/15",
    "2024-3-5",
    "03/15/2024",
    "15/03/2024",
    "13/13/2024",
    "15.03.2024",
    "15-03-2024",
    "1-2-2024",
    "2024-03-15T10:30",
    "2024-03-15 10:30:05.25",
    "2024-03-15T25:00",
    "2024-03-15T10:30+02:00",
    "true",
    "TRUE",
    "True",
    " false ",
    "fal\u017fe",
    "yes",
    "555-0101",
    "1-800-555",
    "abc",
    "a b",
    " padded ",
    "x\ny",
    "1\n2",
    "\u0661\u0662",
    "\u0663.5",
    "\u0662\u0660\u0662\u0664-\u0660\u0663-\u0661\u0665",
    "\u0661,\u0662\u0663\u0664",
    "é",
    "\u00a012",
    "12\u00a0",
    "Ünïcode",
    "\t7",
    "7\t",
    "\x1c5",
    "\u2028",
    "-1e400",
    "9" * 20,
]

# Columns as they come: one shape of value per column (so that the column paths are taken),
# with blanks and the odd value of another shape (so that their fallbacks are too).
SHAPES: list[st.SearchStrategy[str]] = [
    st.integers(-(10**16), 10**16).map(str),
    st.floats(allow_nan=False).map(repr),
    st.floats(-1e6, 1e6).map(lambda f: f"{f:.2f}"),
    st.floats(-1e6, 1e6).map(
        lambda f: f"{f:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    ),
    st.integers(0, 10**6).map(lambda i: f"{i:,}"),
    st.dates().map(dt.date.isoformat),
    st.dates().map(lambda d: d.strftime("%m/%d/%Y")),
    st.datetimes().map(lambda d: d.isoformat(sep=" ")),
    st.integers(0, 99999).map(lambda i: f"{i:05d}"),
    st.text(alphabet="abc XYZ-.,0123456789éß\t\n", max_size=8),
    st.sampled_from(["true", "false", "TRUE", "False"]),
    st.sampled_from(TRICKY),
]


def typed_each(rows: list[list[str]], typer: Callable[[str], Any]) -> list[list[Any]]:
    return [[typer(v) for v in r] for r in rows]


def exact(rows: list[list[Any]]) -> list[list[tuple[type, Any]]]:
    """Values with their types (``1 == 1.0 == True``, but not as typed cells)."""
    return [[(type(v), repr(v)) for v in r] for r in rows]


@st.composite
def blocks(draw: st.DrawFn) -> list[list[list[str]]]:
    width = draw(st.integers(1, 6))
    shapes = [draw(st.sampled_from(SHAPES)) for _ in range(width)]
    cell = [
        st.one_of(shape, shape, shape, st.just(""), st.sampled_from(TRICKY)) for shape in shapes
    ]
    out = []
    for _ in range(draw(st.integers(1, 3))):
        rows = []
        for _ in range(draw(st.integers(0, 12))):
            if draw(st.integers(0, 9)) == 0:  # a ragged row
                rows.append(draw(st.lists(st.sampled_from(TRICKY), max_size=width + 2)))
            else:
                rows.append([draw(c) for c in cell])
        out.append(rows)
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=blocks(), mode=st.sampled_from(MODES))
def test_blocks_typed_by_column_equal_each_value_typed(
    data: list[list[list[str]]], mode: tuple[Any, Any]
) -> None:
    typer, kinds = mode
    block_typer = BlockTyper(typer, kinds)  # one per file: it remembers each column's kind
    for rows in data:
        block = block_typer.type(rows)
        assert exact(block.rows()) == exact(typed_each(rows, typer))
        assert exact(decode(encode(block)).rows()) == exact(typed_each(rows, typer))
        # clean_column copies text columns of CSV as they are: typed text is stripped
        texts = [v for row in block.rows() for v in row if isinstance(v, str)]
        assert texts == [v.strip() for v in texts]


@pytest.mark.parametrize(("typer", "kinds"), MODES)
@pytest.mark.parametrize("value", TRICKY)
def test_every_tricky_value_alone_and_in_a_column(typer: Any, kinds: Any, value: str) -> None:
    for rows in ([[value]], [[value]] * 3, [["1"], [value], ["2"]], [["a"], [value]]):
        got = BlockTyper(typer, kinds).type(rows)
        assert exact(got.rows()) == exact(typed_each(rows, typer))


def test_a_column_changing_kind_between_blocks() -> None:
    block_typer = BlockTyper(type_text, DOT_KINDS)
    for rows in ([["1"], ["2"]], [["2024-01-02"], [""]], [["x"], ["3"]], [["4"], ["5.5"]]):
        assert exact(block_typer.type(rows).rows()) == exact(typed_each(rows, type_text))


def test_blocks_of_empty_and_ragged_rows() -> None:
    rows: list[list[str]] = [[], [], ["title"], [], ["a", "1"], ["b", "2"]]
    block = BlockTyper(type_text, DOT_KINDS).type(rows)
    assert block.rows() == [[], [], ["title"], [], ["a", 1], ["b", 2]]
    assert decode(encode(block)).rows() == block.rows()


def test_spilled_columns_round_trip_every_kind() -> None:
    when = dt.datetime(2024, 3, 15, 10, 30)
    block = TypedBlock(
        3,
        [
            [1, 2, 3],
            [1.5, float("inf"), -0.0],
            ["a", "", "c"],
            [dt.date(2024, 1, 1), "", dt.date(1, 1, 1)],
            [when, "", dt.date(2024, 1, 1)],
            [True, False, ""],
        ],
        {1: [dt.date(2020, 2, 2)]},
        [PLAIN, PLAIN, PLAIN, DATES, MIXED, MIXED],
    )
    assert exact(decode(encode(block)).rows()) == exact(block.rows())
    as_mixed = block._replace(holds=[MIXED] * 6)
    assert exact(decode(encode(as_mixed)).rows()) == exact(block.rows())


class CountingSource:
    """Blocks of rows, counting how many times the source was read."""

    def __init__(self, n_blocks: int) -> None:
        self.reads = 0
        self.n_blocks = n_blocks

    def __call__(self) -> Iterator[TypedBlock]:
        self.reads += 1
        for b in range(self.n_blocks):
            yield TypedBlock(2, [[b, b], [dt.date(2024, 1, b + 1), "x"]], {}, [PLAIN, MIXED])

    def rows(self) -> list[list[Any]]:
        return [r for b in range(self.n_blocks) for r in [[b, dt.date(2024, 1, b + 1)], [b, "x"]]]


def test_the_source_is_read_once_then_replayed() -> None:
    source = CountingSource(3)
    spill = RowSpill(source)
    assert list(spill.rows()) == source.rows()
    assert spill.complete
    assert list(spill.rows()) == source.rows()
    assert list(itertools.islice(spill.rows(), 3)) == source.rows()[:3]
    assert list(spill.rows()) == source.rows()
    assert source.reads == 1
    spill.close()
    assert list(spill.rows()) == source.rows()
    assert source.reads == 2


def test_an_abandoned_first_read_is_not_replayed() -> None:
    source = CountingSource(3)
    spill = RowSpill(source)
    first = spill.rows()
    assert list(itertools.islice(first, 3)) == source.rows()[:3]
    # A second read while the first is still writing its copy reads the source itself.
    assert list(spill.rows()) == source.rows()
    assert source.reads == 2
    del first  # closed unfinished: its copy is dropped
    assert not spill.complete
    assert list(spill.rows()) == source.rows()
    assert source.reads == 3
    assert list(spill.rows()) == source.rows()
    assert source.reads == 3


def test_a_failed_first_read_is_not_replayed() -> None:
    calls = {"n": 0}

    def failing() -> Iterator[TypedBlock]:
        calls["n"] += 1
        yield TypedBlock(1, [[1]], {}, [PLAIN])
        if calls["n"] == 1:
            raise ValueError("bad file")

    spill = RowSpill(failing)
    with pytest.raises(ValueError, match="bad file"):
        list(spill.rows())
    assert not spill.complete
    assert list(spill.rows()) == [[1]]
    assert list(spill.rows()) == [[1]]
    assert calls["n"] == 2


# --- whole files: the reader and the run against the per-value reader of before -----------


def reference_open_csv(path: Path, name: str | None = None, reader: Any = None) -> Workbook:
    """The CSV reader as it was: every read parses the file and types each value (in this
    process: a reader child started for the run is closed)."""
    if reader is not None:
        reader.close()
    wb = csv_read.open_csv(path, name)
    details = {k: v for k, v in wb.details.items() if not k.startswith("_")}
    typer = type_text_decimal_comma if details["decimal_separator"] == "," else type_text
    errors = "replace" if details["encoding"] == "cp1252" else "strict"

    def rows() -> Iterator[list[Any]]:
        with path.open("r", encoding=details["encoding"], errors=errors, newline="") as fh:
            for record in csv.reader(fh, delimiter=details["delimiter"]):
                yield [typer(v) for v in record]

    sheet = Sheet(name=wb.sheets[0].name, index=0, typed_text=True)
    sheet._rows = rows
    return Workbook(path=path, format="csv", sheets=[sheet], details=details)


HEADER = ["Member ID", "First Name", "Last Name", "Email", "Date of Birth", "Amount", "Zip"]


def roster_lines(n: int, *, tricky: bool) -> list[list[str]]:
    rows = [["Member roster export"], [], HEADER]
    for i in range(n):
        row = [
            str(100000 + i),
            f"First{i}",
            f"Last{i}",
            f"user{i}@example.com",
            (dt.date(1950, 1, 1) + dt.timedelta(days=i * 37)).isoformat(),
            f"{i * 1.25:,.2f}" if i % 7 else str(i),
            f"{i % 1000:05d}",
        ]
        if tricky and i % 5 == 0:
            row[4] = ["", "2024-02-30", "03/15/2024", " 2024-01-01 ", "TRUE"][i // 5 % 5]
            row[0] = ["007", "", "1,234", "12.5", "x"][i // 5 % 5]
        if tricky and i % 11 == 0:
            row = row[:3]  # a ragged row
        rows.append(row)
    rows += [[], ["Total", "", "", "", "", "999"]]
    return rows


def csv_files(tmp: Path) -> list[Path]:
    eu = [
        [v.replace(",", " ").replace(".", ",") for v in r] for r in roster_lines(300, tricky=True)
    ]
    return [
        write_csv(tmp / "plain.csv", roster_lines(9000, tricky=False)),
        write_csv(tmp / "tricky.csv", roster_lines(9000, tricky=True)),
        write_csv(tmp / "utf16.csv", roster_lines(500, tricky=True), encoding="utf-16"),
        write_csv(
            tmp / "bom.tsv", roster_lines(500, tricky=True), delimiter="\t", encoding="utf-8-sig"
        ),
        write_csv(
            tmp / "latin.csv",
            [*roster_lines(200, tricky=True), ["café", "Müller", "ß"]],
            encoding="cp1252",
        ),
        write_csv(tmp / "eu.csv", eu, delimiter=";"),
        write_csv(tmp / "quoted.csv", [["Name", "Notes"], ["a", "line\nbreak"], ["b", "1\n2"]]),
    ]


def test_csv_rows_equal_the_per_value_reader(tmp_path: Path) -> None:
    for path in csv_files(tmp_path):
        expected = exact(list(reference_open_csv(path).sheets[0].iter_rows()))
        wb = open_workbook(path)
        sheet = wb.sheets[0]
        assert exact(list(sheet.iter_rows())) == expected, path.name
        assert exact(list(sheet.iter_rows())) == expected, path.name  # replayed
        wb.close()


def test_run_outputs_equal_the_per_value_readers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = init_config(tmp_path / "config")
    for path in csv_files(tmp_path):
        new = run(path, config, tmp_path / "new" / path.stem)
        with monkeypatch.context() as m:
            m.setattr(open_module, "open_csv", reference_open_csv)
            old = run(path, config, tmp_path / "old" / path.stem)
        assert (new.status, old.status) == ("succeeded", "succeeded"), (path, new.error)
        assert run_outputs(tmp_path / "new" / path.stem) == run_outputs(
            tmp_path / "old" / path.stem
        )


def test_without_a_temporary_folder_every_read_reads_the_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_tmp() -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tempfile.TemporaryFile", no_tmp)
    source = CountingSource(3)
    spill = RowSpill(source)
    assert list(spill.rows()) == source.rows()
    assert list(spill.rows()) == source.rows()
    assert (spill.complete, source.reads) == (False, 2)


class FullDisk(io.BytesIO):
    """A temporary file that runs out of room after ``room`` bytes."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > self.room:
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_a_full_disk_while_spilling_leaves_the_read_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spill_module, "_temporary_file", lambda: FullDisk(100))
    source = CountingSource(5)
    spill = RowSpill(source)
    assert list(spill.rows()) == source.rows()
    assert not spill.complete
    assert list(spill.rows()) == source.rows()
    assert source.reads == 2


def test_a_csv_run_on_a_full_disk_succeeds_with_the_same_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = init_config(tmp_path / "config")
    path = write_csv(tmp_path / "tricky.csv", roster_lines(9000, tricky=True))
    assert run(path, config, tmp_path / "spilled").ok
    monkeypatch.setattr(spill_module, "_temporary_file", lambda: FullDisk(10_000))
    assert run(path, config, tmp_path / "full").ok
    assert run_outputs(tmp_path / "spilled") == run_outputs(tmp_path / "full")
