"""The messy-workbook corpus: one generated workbook per layout, each with the expected table
ranges, header rows and mapping (checked through the artifact of a real run)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from ade_engine import run

D = dt.date
HEADER = ["Member ID", "First Name", "Last Name", "Email"]
Tables = Callable[[dict[str, Any]], list[dict[str, Any]]]


def people(n: int, start: int = 1) -> list[list[Any]]:
    return [
        [1000 + i, f"First{i}", f"Last{i}", f"p{i}@example.com"] for i in range(start, start + n)
    ]


@pytest.fixture
def do_run(tmp_path: Path, config_dir: Callable[..., Path]) -> Callable[..., dict[str, Any]]:
    def go(workbook: Path, config: Path | None = None) -> dict[str, Any]:
        out = tmp_path / "out"
        result = run(workbook, config or config_dir(), out)
        assert result.ok, result.error
        return cast(dict[str, Any], result.artifact)

    return go


def only_sheet(art: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in art["sheets"] if s["name"] == name)


def test_title_and_note_rows_above_header(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    wb = xlsx(
        [
            {
                "name": "Roster",
                "rows": [
                    ["ACME Club - member roster"],
                    [],
                    ["Exported 2024-03-01, confidential"],
                    HEADER,
                    *people(4),
                ],
            }
        ]
    )
    art = do_run(wb)
    (t,) = tables(art)
    assert t["range"] == "A4:D8"
    assert t["header_rows"] == [4]
    assert mapping(t) == {"member_id": "A", "first_name": "B", "last_name": "C", "email": "D"}
    decisions = only_sheet(art, "Roster")["decisions"]
    assert {d["row"] for d in decisions} == {1, 3}
    assert all(d["reason"] for d in decisions)
    assert art["metrics"]["rows_processed"] == 4


def test_stacked_tables_separated_by_blank_rows(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [
                    HEADER,
                    *people(3),
                    [],
                    [],
                    ["Email", "Member ID", "Surname"],
                    ["z@example.com", 7, "Zed"],
                    ["y@example.com", 8, "Why"],
                ],
            }
        ]
    )
    art = do_run(wb)
    t1, t2 = tables(art)
    assert (t1["range"], t1["header_rows"]) == ("A1:D4", [1])
    assert (t2["range"], t2["header_rows"]) == ("A7:C9", [7])
    assert mapping(t2) == {"email": "A", "member_id": "B", "last_name": "C"}
    assert art["metrics"]["rows_processed"] == 5


def test_stacked_tables_separated_by_a_single_blank_row(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    wb = xlsx([{"name": "S", "rows": [HEADER, *people(2), [], HEADER[:2], [5, "Five"]]}])
    t1, t2 = tables(do_run(wb))
    assert (t1["range"], t2["range"]) == ("A1:D3", "A5:B6")


def test_stacked_tables_separated_by_a_note_line(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [HEADER, *people(2), ["Second branch:"], HEADER, *people(3, start=10)],
            }
        ]
    )
    t1, t2 = tables(do_run(wb))
    assert (t1["range"], t1["rows"]["written"]) == ("A1:D3", 2)
    assert (t2["range"], t2["header_rows"], t2["rows"]["written"]) == ("A5:D8", [5], 3)


def test_side_by_side_tables(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    left: list[list[Any]] = [
        ["Member ID", "Email"],
        [1, "a@example.com"],
        [2, "b@example.com"],
        [3, "c@example.com"],
    ]
    right: list[list[Any]] = [
        ["Surname", "Given Name", "Dues"],
        ["Smith", "Ann", 10.5],
        ["Jones", "Bob", 20],
    ]
    cells: dict[tuple[int, int], Any] = {}
    for r, row in enumerate(left):
        for c, v in enumerate(row):
            cells[(r + 1, c)] = v
    for r, row in enumerate(right):
        for c, v in enumerate(row):
            cells[(r + 1, c + 3)] = v
    art = do_run(xlsx([{"name": "S", "cells": cells}]))
    t1, t2 = tables(art)
    assert (t1["range"], t1["header_rows"]) == ("A2:B5", [2])
    assert (t2["range"], t2["header_rows"]) == ("D2:F4", [2])
    assert mapping(t1) == {"member_id": "A", "email": "B"}
    assert mapping(t2) == {"last_name": "D", "first_name": "E", "amount": "F"}
    assert art["metrics"]["rows_processed"] == 5


def test_table_at_an_offset_column(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    wb = xlsx([{"name": "S", "origin": (4, 2), "rows": [HEADER, *people(3)]}])
    (t,) = tables(do_run(wb))
    assert t["range"] == "C5:F8"
    assert t["header_rows"] == [5]
    assert mapping(t) == {"member_id": "C", "first_name": "D", "last_name": "E", "email": "F"}


def test_two_row_header_with_merged_group_labels(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    # "Contact" spans Email and Phone (C2:D2); "Name" spans First and Last.
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [
                    ["Roster"],
                    [None, None, None, None],
                    ["Member ID", "First", "Last", "Email", "Phone"],
                    [1, "Ann", "Smith", "ann@example.com", "555-0101"],
                    [2, "Bob", "Jones", "bob@example.com", "555-0102"],
                ],
                "merges": [(1, 1, 1, 2, "Name"), (1, 3, 1, 4, "Contact")],
            }
        ]
    )
    (t,) = tables(do_run(wb))
    assert t["header_rows"] == [2, 3]
    assert t["stacked_header"] is True
    assert t["range"] == "A2:E5"
    groups = {c["letter"]: c["group"] for c in t["columns"]}
    assert groups == {"A": None, "B": "Name", "C": "Name", "D": "Contact", "E": "Contact"}
    m = mapping(t)
    # "Contact" over "Email" still matches email exactly; "Name" + "First" matches "first name".
    assert m["email"] == "D"
    assert m["phone"] == "E"
    assert m["first_name"] == "B"
    assert m["last_name"] == "C"
    email_col = next(c for c in t["columns"] if c["letter"] == "D")
    assert email_col["scores"]["email"] == 1.0


def test_totals_notes_and_footer_rows_are_not_data(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [
                    ["Member ID", "First Name", "Amount"],
                    [1, "Ann", 10.0],
                    [2, "Bob", 20.5],
                    ["Total", None, 30.5],
                    ["Note: amounts in USD"],
                    ["Printed by admin"],
                ],
            }
        ]
    )
    art = do_run(wb)
    (t,) = tables(art)
    assert t["range"] == "A1:C3"
    assert t["rows"]["written"] == 2
    kinds = [d["kind"] for d in t["row_decisions"]]
    assert "total" in kinds
    skipped_rows = {d["row"] for d in only_sheet(art, "S")["decisions"]}
    assert {5, 6} <= skipped_rows


def test_repeated_header_rows_inside_a_table_are_dropped(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    wb = xlsx([{"name": "S", "rows": [HEADER, *people(2), HEADER, *people(2, start=5)]}])
    (t,) = tables(do_run(wb))
    assert t["range"] == "A1:D6"
    assert t["rows"] == {"data": 4, "excluded": 1, "written": 4}
    assert any(d["kind"] == "repeated_header" and d["row"] == 4 for d in t["row_decisions"])


def test_single_blank_row_inside_a_table_is_tolerated(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    wb = xlsx([{"name": "S", "rows": [HEADER, *people(2), [], *people(2, start=3)]}])
    (t,) = tables(do_run(wb))
    assert t["range"] == "A1:D6"
    assert t["rows"]["written"] == 4
    assert any(d["kind"] == "blank" and d["row"] == 4 for d in t["row_decisions"])


def test_two_blank_rows_end_a_table(xlsx: Callable[..., Path], do_run: Any, tables: Tables) -> None:
    wb = xlsx([{"name": "S", "rows": [HEADER, *people(2), [], [], *people(3, start=3)]}])
    t1, t2 = tables(do_run(wb))
    assert t1["range"] == "A1:D3"
    assert t2["headerless"] is True
    assert t2["range"] == "A6:D8"


def test_hidden_columns_are_read_and_reported(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    wb = xlsx([{"name": "S", "rows": [HEADER, *people(3)], "hidden_cols": [2]}])
    art = do_run(wb)
    (t,) = tables(art)
    assert only_sheet(art, "S")["hidden_columns"] == ["C"]
    hidden = {c["letter"]: c["hidden"] for c in t["columns"]}
    assert hidden == {"A": False, "B": False, "C": True, "D": False}
    assert mapping(t)["last_name"] == "C"


def test_instructions_sheet_is_not_a_table(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    wb = xlsx(
        [
            {
                "name": "Read me",
                "rows": [
                    ["How to fill in this workbook"],
                    [],
                    ["Put one member per row on the Members sheet. Do not change the headers."],
                    ["Dates are year-month-day. Amounts are in dollars, without the sign."],
                    ["Questions: ask the membership office."],
                ],
            },
            {"name": "Members", "rows": [HEADER, *people(2)]},
        ]
    )
    art = do_run(wb)
    readme = only_sheet(art, "Read me")
    assert readme["tables"] == []
    assert readme["status"] == "scanned"
    assert "no table" in readme["reason"]
    assert [t["range"] for t in tables(art)] == ["A1:D3"]


def test_hidden_and_empty_sheets_are_skipped(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    wb = xlsx(
        [
            {"name": "Members", "rows": [HEADER, *people(2)]},
            {"name": "Old", "rows": [HEADER, *people(5)], "hidden": True},
            {"name": "Blank"},
        ]
    )
    art = do_run(wb)
    assert only_sheet(art, "Old")["status"] == "skipped"
    assert only_sheet(art, "Old")["reason"] == "hidden sheet"
    assert only_sheet(art, "Blank")["status"] == "skipped"
    assert only_sheet(art, "Blank")["reason"] == "empty sheet"
    assert art["metrics"]["sheets_scanned"] == 1
    assert art["metrics"]["rows_processed"] == 2


def test_headerless_table_is_mapped_by_value_detectors(
    xlsx: Callable[..., Path],
    do_run: Any,
    tables: Tables,
    mapping: Any,
    config_dir: Callable[..., Path],
) -> None:
    config = config_dir(
        modules={
            "email": """
            def detect_values(*, values, **_):
                share = sum(1 for v in values if isinstance(v, str) and "@" in v) / len(values)
                return share if values else None
            """,
            "birth_date": """
            import datetime
            def detect_values(*, values, **_):
                return 0.8 if values and all(isinstance(v, datetime.date) for v in values) \\
                    else None
            """,
        }
    )
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [
                    ["x1", "a@example.com", D(1990, 1, 2)],
                    ["x2", "b@example.com", D(1985, 5, 6)],
                    ["x3", "c@example.com", D(1970, 7, 8)],
                ],
            }
        ]
    )
    art = do_run(wb, config)
    (t,) = tables(art)
    assert t["headerless"] is True
    assert t["header_rows"] == []
    assert t["range"] == "A1:C3"
    assert mapping(t) == {"email": "B", "birth_date": "C"}
    assert t["rows"]["written"] == 3


def test_header_separated_from_data_by_a_note(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables
) -> None:
    wb = xlsx([{"name": "S", "rows": [HEADER, ["(all members, 2024)"], *people(3)]}])
    (t,) = tables(do_run(wb))
    assert t["header_rows"] == [1]
    assert t["rows"]["written"] == 3


def test_many_sheets_with_different_purposes(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    wb = xlsx(
        [
            {"name": "Cover", "rows": [["Quarterly member report"], [], ["Prepared by: office"]]},
            {"name": "Active", "rows": [["Active members"], [], HEADER, *people(3)]},
            {
                "name": "Lapsed",
                "origin": (1, 1),
                "rows": [["Surname", "E-Mail Address", "Member #"], ["Old", "old@example.com", 9]],
            },
            {
                "name": "Lookup",
                "rows": [["Code", "Meaning"], ["A", "Active"], ["L", "Lapsed"]],
                "hidden": True,
            },
        ]
    )
    art = do_run(wb)
    found = {(t["range"]) for t in tables(art)}
    assert found == {"A3:D6", "B2:D3"}
    lapsed = next(t for t in tables(art) if t["range"] == "B2:D3")
    assert mapping(lapsed) == {"last_name": "B", "email": "C", "member_id": "D"}
    assert art["metrics"]["rows_processed"] == 4
    assert [s["status"] for s in art["sheets"]] == ["scanned", "scanned", "scanned", "skipped"]


def test_two_row_header_with_repeated_group_labels(
    xlsx: Callable[..., Path], do_run: Any, tables: Tables, mapping: Any
) -> None:
    # No merged cells: the group label is repeated over each column (common in CSV exports).
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [
                    ["Member", "Member", "Contact", "Contact"],
                    ["ID", "Surname", "E-mail", "Telephone"],
                    [1, "Smith", "ann@example.com", "555-0101"],
                    [2, "Jones", "bob@example.com", "555-0102"],
                ],
            }
        ]
    )
    (t,) = tables(do_run(wb))
    assert t["header_rows"] == [1, 2]
    assert t["rows"]["written"] == 2
    assert mapping(t) == {"member_id": "A", "last_name": "B", "email": "C", "phone": "D"}
