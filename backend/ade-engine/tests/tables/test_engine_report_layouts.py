"""Report layouts (issue 15), one small workbook each: page footers, section labels and
subtotals inside a table, spacer columns, and the cases that must keep today's answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ade_engine import run
from ade_engine.artifact_types import Artifact
from ade_engine.tables.totals import is_page_footer, is_page_marker, is_total_text

HEADER = ["Member ID", "First Name", "Email", "Amount"]
Tables = Callable[[dict[str, Any]], list[dict[str, Any]]]


def people(n: int, start: int = 1) -> list[list[Any]]:
    return [[100 + i, f"P{i}", f"p{i}@example.org", 10.0 * i] for i in range(start, start + n)]


@pytest.fixture
def do_run(tmp_path: Path, config_dir: Callable[..., Path]) -> Callable[..., Artifact]:
    def go(workbook: Path) -> Artifact:
        result = run(workbook, config_dir(), tmp_path / "out")
        assert result.ok, result.error
        return result.artifact

    return go


def kinds(table: dict[str, Any]) -> dict[int, str]:
    return {d["row"]: d["kind"] for d in table["row_decisions"]}


def test_a_print_layout_is_one_table_across_its_page_footers(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    footer = ["Confidential - internal use only", None, None, "Page 1 of 2"]
    rows = [HEADER, *people(3), footer, ["Printed on 2024-03-01"], [], HEADER, *people(2, 4)]
    (t,) = tables(do_run(xlsx([{"name": "S", "rows": rows}])))
    assert t["range"] == "A1:D10"
    assert t["rows"]["written"] == 5
    assert kinds(t) == {5: "footer", 6: "footer", 7: "blank", 8: "repeated_header"}
    assert "page number" in t["row_decisions"][0]["reason"]


def test_a_page_footer_without_a_repeated_header(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    rows = [HEADER, *people(3), ["Seite 1 von 2", None, None, "VERTRAULICH"], *people(3, 4)]
    (t,) = tables(do_run(xlsx([{"name": "S", "rows": rows}])))
    assert (t["range"], t["rows"]["written"]) == ("A1:D8", 6)
    assert kinds(t) == {5: "footer"}


def test_footer_lines_in_cells_and_with_dates(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    printed = ["Printed on", dt.datetime(2024, 3, 1, 10, 15)]
    rows = [HEADER, *people(3), ["Page", 1, "of", 2], printed, HEADER, *people(3, 4)]
    (t,) = tables(do_run(xlsx([{"name": "S", "rows": rows}])))
    assert (t["range"], t["rows"]["written"]) == ("A1:D10", 6)
    assert kinds(t) == {5: "footer", 6: "footer", 7: "repeated_header"}


def test_a_footer_row_with_a_date_cell_and_a_two_cell_section_label(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    footer = ["Printed on", dt.datetime(2024, 3, 1, 9, 30), "Page 1 of 2"]
    rows = [HEADER, *people(3), footer, ["Region:", "South"], *people(3, 4)]
    (t,) = tables(do_run(xlsx([{"name": "S", "rows": rows}])))
    assert (t["range"], t["rows"]["written"]) == ("A1:D9", 6)
    assert kinds(t) == {5: "footer", 6: "footer"}  # a label next to a page footer


def test_a_two_cell_section_label_inside_a_table(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    rows = [HEADER, ["Region:", "North"], *people(3), ["Region:", "South"], *people(3, 4)]
    (t,) = tables(do_run(xlsx([{"name": "S", "rows": rows}])))
    assert (t["range"], t["rows"]["written"]) == ("A1:D9", 6)
    assert kinds(t) == {2: "section", 6: "section"}


def test_a_short_line_that_fits_no_column_is_not_a_record(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    # Text under the ids, a date under the names.
    rows = [HEADER, *people(4), ["Exported", dt.date(2024, 3, 1)]]
    art = do_run(xlsx([{"name": "S", "rows": rows}]))
    (t,) = tables(art)
    assert (t["range"], t["rows"]["written"]) == ("A1:D5", 4)
    assert {d["row"] for d in art["sheets"][0]["decisions"]} == {6}


def test_a_grouped_report_keeps_every_group_and_drops_labels_and_totals(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    rows = [
        HEADER,
        ["Région : Nord"],
        *people(2),
        ["Sous-total", None, None, 30.0],
        ["Région : Sud"],
        *people(3, 3),
        [None, None, None, 120.0],  # a subtotal by sums alone (30 + 40 + 50)
        ["Total général", None, None, 150.0],
    ]
    art = do_run(xlsx([{"name": "S", "rows": rows}]))
    (t,) = tables(art)
    assert t["rows"]["written"] == 5
    assert t["data_rows"] == [3, 9]
    assert mapping(t) == {"member_id": "A", "first_name": "B", "email": "C", "amount": "D"}
    assert kinds(t) == {5: "total", 6: "section", 10: "total"}
    assert {d["row"] for d in art["sheets"][0]["decisions"]} == {1, 2, 11}  # above, below
    by_row = {d["row"]: d["reason"] for d in t["row_decisions"]}
    assert "sums of the rows above" in by_row[10]


def test_a_sparse_data_row_is_not_a_total(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    # 103 is 101 + 102, but one matching number in a row this full is no sum.
    rows = [HEADER, [101, "A", "a@x.org", 1.0], [102, "B", "b@x.org", 2.0], [103, "C", None, None]]
    (t,) = tables(do_run(xlsx([{"name": "S", "rows": rows}])))
    assert (t["rows"]["written"], t["row_decisions"]) == (3, [])


def test_a_note_above_a_repeated_header_still_starts_a_new_table(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    rows = [HEADER, *people(2), ["Second branch:"], HEADER, *people(2, 3)]
    t1, t2 = tables(do_run(xlsx([{"name": "S", "rows": rows}])))
    assert (t1["range"], t2["range"]) == ("A1:D3", "A5:D7")


def test_spacer_columns_inside_one_header_make_one_table(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    rows = [[*HEADER[:2], None, *HEADER[2:]]]
    rows += [[*p[:2], None, *p[2:]] for p in people(3)]
    art = do_run(xlsx([{"name": "S", "rows": rows}]))
    (t,) = tables(art)
    assert t["range"] == "A1:E4"
    assert mapping(t) == {"member_id": "A", "first_name": "B", "email": "D", "amount": "E"}
    assert t["unmapped_columns"] == ["C"]
    assert kinds(t) == {1: "spacer_merged"}
    assert art["metrics"]["rows_processed"] == 3


def test_a_one_column_side_of_a_spacer_is_merged(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    rows = [["Member ID", "Email", None, "First Name"]]
    rows += [[p[0], p[2], None, p[1]] for p in people(3)]
    art = do_run(xlsx([{"name": "S", "rows": rows}]))
    (t,) = tables(art)
    assert mapping(t) == {"member_id": "A", "email": "B", "first_name": "D"}
    assert art["sheets"][0]["decisions"] == []  # its cells are no longer notes


def test_side_by_side_tables_whose_fields_overlap_stay_apart(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    rows = [[*HEADER[:3], None, *HEADER[:3]]]
    rows += [[*p[:3], None, *q[:3]] for p, q in zip(people(3), people(3, 10), strict=True)]
    t1, t2 = tables(do_run(xlsx([{"name": "S", "rows": rows}])))
    assert (t1["range"], t2["range"]) == ("A1:C4", "E1:G4")


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("Subtotal", True),
        ("Sous-total Nord", True),
        ("Zwischensumme", True),
        ("Gesamtsumme", True),
        ("Total general", True),
        ("Group total", True),
        ("Summer camp", False),
        ("Totalitarian", False),
    ],
)
def test_total_words(text: str, total: bool) -> None:
    assert is_total_text(text) is total


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("Page 2 of 4", True),
        ("Página 2 de 4", True),
        ("Seite 3 von 3", True),
        ("2 / 4", True),
        ("Page 3", True),
        ("5 of 4", False),
        ("Suite 200", False),
        ("2024-03-01", False),
    ],
)
def test_page_markers(text: str, page: bool) -> None:
    assert is_page_marker(text) is page


def test_a_page_footer_is_a_short_text_row() -> None:
    assert is_page_footer(["Confidential", "Page 1 of 2"])
    assert not is_page_footer(["a", "b", "c", "Page 1 of 2"])
