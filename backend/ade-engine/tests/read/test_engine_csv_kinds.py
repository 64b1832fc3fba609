"""The column checks that are not one pattern (text, ISO dates, plain decimals) against the
patterns they stand for and against :func:`type_text`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ade_engine.read import csvtype
from ade_engine.read.csvtype import type_text

# Values near each kind's edges: ASCII and other digits, dashes and dots in odd places, blanks.
NEAR_DATES = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.text(alphabet="0123456789-", min_size=8, max_size=11),
    st.sampled_from(["", "2024-02-30", "0000-01-01", "\u0662\u0660\u0662\u0664-\u0660\u0663-01"]),
    st.sampled_from(["2024-01--1", "2024--1-01", "-2024-01-0", "2024-01-011", "2024-01-1"]),
)
NEAR_DECIMALS = st.one_of(
    st.floats(-1e9, 1e9).map(lambda f: f"{f:.2f}"),
    st.floats(allow_nan=False).map(repr),
    st.text(alphabet="0123456789.-eE+", max_size=6),
    st.sampled_from(["", ".", "-.", "1.", ".5", "-0.0", "1.2.3", "5", "1e5", "\u0663.5"]),
)
NEAR_TEXT = st.one_of(
    st.text(alphabet="abXé -.09\t\u00a0", max_size=6),
    st.sampled_from(["", "true", "FALSE", "fal\u017fe", "True ", "555-0101", "00123", "x"]),
)


def column(values: list[str]) -> tuple[list[str], str]:
    return values, "\n".join(values)


def equal_to_each(values: list[str], typed: list[Any]) -> bool:
    each = [type_text(v) for v in values]
    return [(type(v), v) for v in typed] == [(type(v), v) for v in each]


@settings(max_examples=400, deadline=None)
@given(values=st.lists(NEAR_DATES, min_size=1, max_size=8))
def test_the_date_check_agrees_with_the_iso_date_pattern(values: list[str]) -> None:
    args = column(values)
    assert csvtype._fits_date(*args) == (csvtype._DATE_RE.fullmatch(args[1]) is not None)


@settings(max_examples=400, deadline=None)
@given(values=st.lists(NEAR_DECIMALS, min_size=1, max_size=8))
def test_a_column_the_decimal_check_lets_through_converts_as_each_value_types(
    values: list[str],
) -> None:
    args = column(values)
    if not csvtype._fits_dec(*args):
        # only a column the pattern refuses too, or one with a value type_text does not type
        # as a float (then the pattern and the check may differ; both leave it to type_text)
        assert csvtype._DEC_RE.fullmatch(args[1]) is None or not equal_to_each(
            values, csvtype._floats(values)
        )
        return
    try:
        typed = csvtype._floats(values)
    except ValueError:  # refused by the conversion: typed value by value instead
        return
    assert equal_to_each(values, typed)
    assert "e" in args[1].lower() or csvtype._DEC_RE.fullmatch(args[1])


@settings(max_examples=400, deadline=None)
@given(values=st.lists(NEAR_TEXT, min_size=1, max_size=8))
def test_a_text_column_is_what_type_text_leaves_as_it_is(values: list[str]) -> None:
    fits = csvtype._fits_text(*column(values))
    unchanged = all(isinstance(type_text(v), str) and type_text(v) == v for v in values)
    if fits:
        assert unchanged
    if unchanged and all(v[:1] not in "0123456789-." for v in values if v):
        assert fits  # (digits and dashes: the pattern's few shapes, else value by value)


def test_each_check_takes_its_common_columns() -> None:
    dates = [(dt.date(1990, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(500)]
    assert csvtype._fits_date(*column(dates))
    assert csvtype._fits_date(*column([*dates, ""]))  # a blank: the pattern
    assert not csvtype._fits_date(*column(["2024-01--1", "2024-01-01"]))
    assert not csvtype._fits_date(*column(["\u0662\u0660\u0662\u0664-\u0660\u0663-01"]))
    assert not csvtype._fits_date(*column(["2024-01-1", "2024-01-011"]))
    assert not csvtype._fits_date(*column(["2024-01-0", "12024-01-01"]))  # dashes in place
    amounts = [f"{i * 1.37:.2f}" for i in range(500)]
    assert csvtype._fits_dec(*column([*amounts, "", "-0.5", "1e3"]))
    assert not csvtype._fits_dec(*column([*amounts, "5"]))  # an integer: not this kind
    assert not csvtype._fits_dec(*column(["1E5x"]))
    assert csvtype._fits_dec(*column(["1E5", "2.5"]))  # an exponent: the pattern
    names = [f"Name{i}" for i in range(500)]
    assert csvtype._fits_text(*column([*names, "", "New York", "é"]))
    assert csvtype._fits_text(*column(["555-0101", "00123", "abc"]))  # the pattern's digits
    for odd in ("true", "False", " x", "x ", "7", "-x", ".x"):
        assert not csvtype._fits_text(*column([*names, odd])), odd
    assert csvtype._fits_text(*column(["fal\u017fe"]))  # type_text's lower() keeps it text
