"""Rows labelled by their signature get the labels full scoring gives them.

The classifier labels a row whose signature settles its built-in label (blank, or a value in a
row that does not start with text) once per signature; these tests score every row of varied
sheets the slow way (:meth:`Classifier._classify_row`, the built-in scores plus the config's
classifiers) and compare codes, header scores, header keys and page footers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ade_engine.read.sheet import Sheet
from ade_engine.tables import BLANK, DATA, HEADER, NOTE
from ade_engine.tables.classify import (
    Classifier,
    _is_footer,
    _seg_sig,
    row_key,
)
from ade_engine.tables.model import RowClassifier
from ade_engine.tables.profile import Profile
from ade_engine.text import SynonymMatcher

MATCHER = SynonymMatcher({"name": ["Name"], "amount": ["Amount"]})

CELLS = st.one_of(
    st.just(""),
    st.sampled_from(
        ["Name", "Amount", "Total", "Grand total", "Page 2 of 3", "Note: x", "* star", "Ann"]
    ),
    st.text(max_size=6),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)),
)
ROWS = st.lists(st.lists(CELLS, min_size=4, max_size=4), max_size=40)


def _sheet(rows: list[list[Any]]) -> Sheet:
    sheet = Sheet(name="S", index=0, typed_text=True)
    sheet._rows = lambda: iter([list(r) for r in rows])
    return sheet


def _note_prefix(values: list[Any], row_index: int) -> Any:
    first = next((v for v in values if v is not None), None)
    if isinstance(first, str) and first.lower().startswith(("note:", "*")):
        return {"note": 2.0}
    return None


def _odd_rows_flagged(values: list[Any], row_index: int) -> Any:
    return 0.7 if row_index % 3 == 1 else None


def _reference(
    classifier: Classifier, rows: list[list[Any]]
) -> tuple[list[int], dict[int, float], dict[int, int], set[int]]:
    """Every row scored in full, as the classifier did before labelling by signature."""
    profile = Profile()
    codes: list[int] = []
    hscores: dict[int, float] = {}
    keys: dict[int, int] = {}
    footers: set[int] = set()
    for r, (sid, row) in enumerate(profile.read(iter([list(x) for x in rows]))):
        sig = profile.sigs[sid]
        ss = _seg_sig(sig, 0, len(sig.kinds))
        code, hscore = classifier._classify_row(ss, row, r, 0, len(row))
        codes.append(code)
        if code == HEADER:
            hscores[r] = hscore
            keys[r] = row_key(row, ss.filled)
        elif code == NOTE and _is_footer(ss, row):
            footers.add(r)
    return codes, hscores, keys, footers


CONFIGS: list[list[tuple[str, RowClassifier]] | None] = [
    None,
    [("note", _note_prefix)],
    [("note", _note_prefix), ("flagged", _odd_rows_flagged)],
]


@settings(max_examples=150, deadline=None)
@given(rows=ROWS, config=st.sampled_from(range(len(CONFIGS))))
def test_labels_by_signature_equal_full_scoring(rows: list[list[Any]], config: int) -> None:
    classifiers = CONFIGS[config]
    custom = [name for name, _ in classifiers or []]
    classifier = Classifier(MATCHER, classifiers, custom)
    _, codes, hscores, keys, footers = classifier._label_whole(_sheet(rows))
    assert (list(codes), hscores, keys, footers) == _reference(classifier, rows)


def test_config_classifiers_still_see_every_non_blank_row() -> None:
    """Data rows labelled by signature still go through the config's classifiers, once each,
    in order, with empty cells as None."""
    seen: list[tuple[int, list[Any]]] = []

    def spy(values: list[Any], row_index: int) -> Any:
        seen.append((row_index, list(values)))
        return {"note": 5.0} if row_index == 3 else None

    rows: list[list[Any]] = [["Name", "Amount"], ["Ann", 1], [2, 3], [4, ""], ["", ""], [5, 6]]
    classifier = Classifier(MATCHER, [("note", spy)], ["note"])
    _, codes, _, _, _ = classifier._label_whole(_sheet(rows))
    assert [r for r, _ in seen] == [0, 1, 2, 3, 5]
    assert seen[3] == (3, [4, None])
    assert list(codes) == [HEADER, DATA, DATA, NOTE, BLANK, DATA]
