"""CSV records split with ``str.split`` where the text allows it: always the records the csv
module reads from the same text, whatever the chunk and block sizes."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ade_engine.read import csv as csv_read
from ade_engine.read import csvsplit
from ade_engine.read.csvsplit import Records, record_blocks
from ade_engine.testing import write_csv


def reference(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def as_file(text: str, encoding: str = "utf-8") -> io.TextIOWrapper:
    """The text as the engine opens a CSV: decoded from bytes, newlines left as they are."""
    return io.TextIOWrapper(io.BytesIO(text.encode(encoding)), encoding=encoding, newline="")


def rows_of(blocks: list[Records]) -> list[list[str]]:
    out: list[list[str]] = []
    for block in blocks:
        if block.columns is not None:
            assert all(len(c) == block.height for c in block.columns)
            out += [list(row) for row in zip(*block.columns, strict=True)]
        else:
            assert block.rows is not None
            assert len(block.rows) == block.height
            out += block.rows
    return out


def split(text: str, delimiter: str = ",", block_rows: int = 4) -> list[Records]:
    blocks = list(record_blocks(as_file(text), delimiter, block_rows))
    assert all(0 < b.height <= block_rows for b in blocks)
    return blocks


# Lines of a few shapes, so that chunks are often uniform, sometimes ragged, blank, quoted or
# ended by a lone carriage return; any text at all too.
FIELD = st.text(alphabet="ab ;\t\x00é", max_size=3)
LINE_END = st.sampled_from(["\n", "\n", "\r\n", "\r"])


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.text(alphabet='ab,;"\r\n \x00é', max_size=60))
    width = draw(st.integers(1, 4))
    end = draw(LINE_END)
    lines = []
    for _ in range(draw(st.integers(0, 30))):
        shape = draw(st.integers(0, 19))
        if shape == 0:
            fields = [draw(FIELD) for _ in range(draw(st.integers(0, 5)))]  # ragged or blank
        elif shape == 1:
            fields = ['"q,' + draw(FIELD) + '\n"', draw(FIELD)]  # quoted: the reader's
        else:
            fields = [draw(FIELD) for _ in range(width)]
        lines.append(",".join(fields) + (draw(LINE_END) if shape == 2 else end))
    text = "".join(lines)
    return text[:-1] if text and draw(st.booleans()) else text  # no line break at the end


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=csv_texts(),
    chunk=st.integers(1, 40),
    max_line=st.integers(1, 40),
    block_rows=st.integers(1, 6),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_records_equal_the_csv_modules(
    text: str, chunk: int, max_line: int, block_rows: int, delimiter: str
) -> None:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(csvsplit, "CHUNK_CHARS", chunk)
        m.setattr(csvsplit, "MAX_LINE_CHARS", max_line)
        assert rows_of(split(text, delimiter, block_rows)) == reference(text, delimiter)


def test_uniform_text_comes_as_columns_and_the_rest_as_rows() -> None:
    text = "Title\n\nid,name\n1,a\n2,b\r\n3,c\n"
    (block,) = split(text, block_rows=10)
    assert block.rows == [["Title"], [], ["id", "name"], ["1", "a"], ["2", "b"], ["3", "c"]]
    # \r\n line ends alone: split in one pass, with the markers where the line breaks are
    (block,) = split("id,name\r\n1,a\r\n2,b\r\n", block_rows=10)
    assert block.columns == [["id", "1", "2"], ["name", "a", "b"]]
    blocks = split("id,name\n1,a\n2,b\r\n3,c\n4,d", block_rows=2)
    assert [(b.height, b.rows, b.columns) for b in blocks] == [
        (2, None, [["id", "1"], ["name", "a"]]),
        (2, None, [["2", "3"], ["b", "c"]]),
        (1, None, [["4"], ["d"]]),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n,\n",  # a line of two empty fields is a record of two
        "a,b\n\n1,2\n",  # a blank line is a record of none
        "a\n\nb\n",  # one column with a blank line: rows, not columns
        "a,b\rc,d\n",  # a lone carriage return ends a record
        "a,b\r",  # ... also at the very end
        'a,b\n"1\n2",3\n',  # a quoted line break stays in its value
        "a,b\n1,2,3\n4\n",  # ragged
        "x\x00y,z\n",
        "a,b\r\n1,2\r\n\r\n3,4\r\n",  # lines ended with \r\n, a blank one among them
        # a line ended with \n alone among \r\n ones, whose fields line up as if it were
        # two lines of the first one's width: read as the lines they are
        "a,b\r\nc,d,\n,e,f\r\ng,h\r\n",
        "a,b\r\nc,d\ne,f\r\n",
        "a,b\r\nc\rd,e\r\n",  # a lone carriage return among \r\n line ends
        "a,b\r\n1,2\n",  # the last line ended with \n alone
    ],
)
def test_edge_cases_equal_the_csv_modules(text: str) -> None:
    for chunk in (1, 3, 1 << 18):
        with pytest.MonkeyPatch.context() as m:
            m.setattr(csvsplit, "CHUNK_CHARS", chunk)
            assert rows_of(split(text)) == reference(text, ","), chunk


def test_the_reader_takes_over_at_the_first_quote_for_the_rest_of_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(csvsplit, "CHUNK_CHARS", 8)
    lines = [f"{i},x\n" for i in range(20)]
    lines[10] = '10,"multi\nline, quoted"\n'
    text = "".join(lines)
    blocks = split(text, block_rows=3)
    assert rows_of(blocks) == reference(text, ",")
    # chunks before the quote were split (as columns); from the quote's chunk on, rows
    assert blocks[0].columns is not None
    assert blocks[-1].rows is not None


def test_a_field_over_the_csv_modules_limit_still_fails_as_it_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(csvsplit, "MAX_LINE_CHARS", 50)
    monkeypatch.setattr(csvsplit, "CHUNK_CHARS", 16)
    limit = csv.field_size_limit(40)
    try:
        with pytest.raises(csv.Error, match="field larger than field limit"):
            split("a,b\n" + "x" * 100 + ",y\n")
        assert rows_of(split("a,b\n" + "x" * 30 + ",y\n")) == [["a", "b"], ["x" * 30, "y"]]
    finally:
        csv.field_size_limit(limit)


def typed_rows(path: Path) -> list[Any]:
    encoding, delimiter = csv_read.plan_of(path)
    return [row for b in csv_read.typed_blocks(path, encoding, delimiter) for row in b.rows()]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
def test_typed_blocks_are_the_same_whatever_the_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    rows = [["Roster"], [], ["id", "name", "when"]]
    rows += [[str(i), f"n{i}é", f"2024-01-{i % 28 + 1:02d}"] for i in range(300)]
    rows += [["1", 'say "hi"', "x"], ["total", "", ""]]
    path = write_csv(tmp_path / "f.csv", rows, encoding=encoding)
    whole = typed_rows(path)
    assert whole[3] == [0, "n0é", dt.date(2024, 1, 1)]
    monkeypatch.setattr(csvsplit, "CHUNK_CHARS", 37)
    assert typed_rows(path) == whole
