"""The table steps one at a time, on a sheet of rows held in memory: profile (signatures),
classify (bands, segments, labels), find (tables opened, extended and closed), then the
scanner that runs them in order."""

from __future__ import annotations

from typing import Any

from ade_engine.read.sheet import Sheet
from ade_engine.tables import BLANK, DATA, HEADER, NOTE, TOTAL, SheetScanner
from ade_engine.tables.classify import Classifier, bands, segments
from ade_engine.tables.find import Finder
from ade_engine.tables.profile import Profile
from ade_engine.text import SynonymMatcher

MATCHER = SynonymMatcher({"name": ["Name"], "amount": ["Amount"]})

#: Two tables side by side (an empty column between them), then two blank rows and a third.
ROWS: list[list[Any]] = [
    ["Name", "Amount", "", "Name", "Amount"],
    ["Ann", 1.0, "", "Cy", 3.0],
    ["Bob", 2.0, "", "Di", 4.0],
    ["", "", "", "", ""],
    ["", "", "", "", ""],
    ["Report notes", "", "", "", ""],
    ["Name", "Amount", "", "", ""],
    ["Eve", 5.0, "", "", ""],
    ["Name", "Amount", "", "", ""],
    ["Fay", 6.0, "", "", ""],
    ["Total", 11.0, "", "", ""],
]


def sheet_of(rows: list[list[Any]]) -> Sheet:
    sheet = Sheet(name="S", index=0, typed_text=True)
    sheet._rows = lambda: iter([list(r) for r in rows])
    return sheet


def test_rows_of_one_shape_share_one_signature() -> None:
    profile = Profile()
    seen = list(profile.read(iter(ROWS)))
    assert [sid for sid, _ in seen] == list(profile.ids)
    assert profile.ids[1] == profile.ids[2] != profile.ids[7] == profile.ids[9]
    assert profile.ids[3] == profile.ids[4]
    assert profile.filled(1) == (0, 1, 3, 4)
    assert profile.filled_in(1, 3, 4) == (3, 4)
    assert len(profile.sigs) < len(ROWS)


def test_bands_split_at_two_blank_rows_and_segments_at_an_empty_column() -> None:
    profile = Profile()
    for _ in profile.read(iter(ROWS)):
        pass
    assert bands(profile) == [(0, 2), (5, 10)]
    assert segments(profile, 0, 2) == [(0, 1), (3, 4)]
    assert segments(profile, 5, 10) == [(0, 1)]


def test_classifier_labels_each_segment_and_counts_the_labels() -> None:
    classified = Classifier(MATCHER).classify(sheet_of(ROWS))
    spans = [(s.r0, s.r1, s.c0, s.c1) for s in classified.segments]
    assert spans == [(0, 2, 0, 1), (0, 2, 3, 4), (5, 10, 0, 1)]
    left, right, lower = classified.segments
    assert list(left.codes) == list(right.codes) == [HEADER, DATA, DATA]
    assert list(lower.codes) == [NOTE, HEADER, DATA, HEADER, DATA, TOTAL]
    assert left.keys[0] == right.keys[0] == lower.keys[6] == lower.keys[8]
    # Each row of the sheet counted once, side-by-side rows too (they once counted per table,
    # which drove the blank count below zero).
    assert classified.row_types == {"blank": 2, "data": 4, "header": 3, "note": 1, "total": 1}
    assert sum(classified.row_types.values()) == len(ROWS)
    assert BLANK not in lower.codes


def test_finder_opens_extends_and_closes_tables_with_reasons() -> None:
    sheet = sheet_of(ROWS)
    classifier = Classifier(MATCHER)
    classified = classifier.classify(sheet)
    finder = Finder(sheet, classified.profile, classifier.type_names, header_scan_rows=50)
    (table,) = finder.find(classified.segments[2])
    assert (table.header_rows, table.data_start, table.data_end) == ([6], 7, 9)
    assert table.excluded == {8: "repeated header row"}
    assert [d["kind"] for d in table.decisions] == ["repeated_header", "total"]
    assert finder.decisions == [
        {"row": 6, "kind": "skipped", "columns": "A:B", "reason": "title or note row"}
    ]


def test_scanner_runs_the_steps_in_order() -> None:
    scan = SheetScanner(sheet_of(ROWS), MATCHER, sample_size=1).scan()
    assert [t.a1 for t in scan.tables] == ["A1:B3", "D1:E3", "A7:B10"]
    assert [t.number for t in scan.tables] == [1, 2, 3]
    assert [c.header for c in scan.tables[1].columns] == ["Name", "Amount"]
    assert [c.samples for c in scan.tables[2].columns] == [["Eve"], [5.0]]
    assert scan.rows == len(ROWS)
