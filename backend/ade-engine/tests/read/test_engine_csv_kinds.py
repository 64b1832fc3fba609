"""The column checks that are not one pattern (text, ISO dates, plain decimals) against the
patterns they stand for and against :func:`type_text`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
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


@st.composite
def one_width_columns(draw: st.DrawFn) -> list[str]:
    """Codes and ids of one width: values of one shape of digits and dashes (leading zeros,
    date shapes, a leading minus), sometimes a value of another shape or other digits."""
    shape = draw(st.text(alphabet="d-", min_size=1, max_size=10))
    digit = st.sampled_from("0123456789")
    values = [
        "".join(draw(digit) if c == "d" else "-" for c in shape)
        for _ in range(draw(st.integers(1, 6)))
    ]
    if draw(st.booleans()):
        odd = st.text(alphabet="0123456789-\u0663", min_size=len(shape), max_size=len(shape))
        values.insert(draw(st.integers(0, len(values))), draw(odd))
    return values


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
    assert csvtype._fits_date(*args) == (csvtype._DATE_COLUMN_RE.fullmatch(args[1]) is not None)


@settings(max_examples=400, deadline=None)
@given(values=st.lists(NEAR_DECIMALS, min_size=1, max_size=8))
def test_a_column_the_decimal_check_lets_through_converts_as_each_value_types(
    values: list[str],
) -> None:
    args = column(values)
    if not csvtype._fits_dec(*args):
        # only a column the pattern refuses too, or one with a value type_text does not type
        # as a float (then the pattern and the check may differ; both leave it to type_text)
        assert csvtype._DEC_COLUMN_RE.fullmatch(args[1]) is None or not equal_to_each(
            values, csvtype._floats(values)
        )
        return
    try:
        typed = csvtype._floats(values)
    except ValueError:  # refused by the conversion: typed value by value instead
        return
    assert equal_to_each(values, typed)
    assert "e" in args[1].lower() or csvtype._DEC_COLUMN_RE.fullmatch(args[1])


@settings(max_examples=400, deadline=None)
@given(values=st.lists(NEAR_TEXT, min_size=1, max_size=8))
def test_a_text_column_is_what_type_text_leaves_as_it_is(values: list[str]) -> None:
    fits = csvtype._fits_text(*column(values))
    unchanged = all(isinstance(type_text(v), str) and type_text(v) == v for v in values)
    if fits:
        assert unchanged
    if unchanged and all(v[:1] not in "0123456789-." for v in values if v):
        assert fits  # (digits and dashes: the pattern's few shapes, else value by value)


@settings(max_examples=600, deadline=None)
@given(values=one_width_columns())
def test_the_integer_check_agrees_with_its_pattern_and_codes_are_text(values: list[str]) -> None:
    args = column(values)
    assert csvtype._fits_int(*args) == (csvtype._INT_COLUMN_RE.fullmatch(args[1]) is not None)
    if csvtype._fits_text(*args):
        assert all(type_text(v) == v and isinstance(type_text(v), str) for v in values)


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
    ids = [str(100000 + i) for i in range(500)]
    assert csvtype._fits_int(*column(ids))
    assert csvtype._fits_int(*column(["0", "7", "3"]))  # one digit: a zero is fine
    assert not csvtype._fits_int(*column(["012", "345"]))  # a leading zero: text
    assert csvtype._fits_int(*column([*ids, "1234567", "-5", ""]))  # widths vary: the pattern
    assert not csvtype._fits_int(*column([*ids, "0123"]))
    assert not csvtype._fits_int(*column(["1234567890123456", "2234567890123456"]))  # ids
    phones = [f"555-{i:04d}" for i in range(500)]
    assert csvtype._fits_text(*column(phones))
    assert csvtype._fits_text(*column(["1-800-555", "2-900-666"]))
    for dates in (["2024-01-01", "2024-02-02"], ["01-02-2024", "03-04-2024"], ["1-2-2024"]):
        assert not csvtype._fits_text(*column(dates)), dates
    assert not csvtype._fits_text(*column(["-1234", "-5678"]))  # negative integers
    # one value of the width but not the shape: a date, an integer
    assert not csvtype._fits_text(*column(["1234-6789", "12-4-6789"]))
    assert not csvtype._fits_text(*column(["1234-5678", "-12345678"]))
    assert csvtype._fits_text(*column(["555-0101", "5550-101"]))  # two shapes: the pattern
    names = [f"Name{i}" for i in range(500)]
    assert csvtype._fits_text(*column([*names, "", "New York", "é"]))
    assert csvtype._fits_text(*column(["555-0101", "00123", "abc"]))  # the pattern's digits
    for odd in ("true", "False", " x", "x ", "7", "-x", ".x"):
        assert not csvtype._fits_text(*column([*names, odd])), odd
    assert csvtype._fits_text(*column(["fal\u017fe"]))  # type_text's lower() keeps it text


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("1\u0663.5", 13.5),  # type_text's own patterns take any digit after the first
        ("12\u0663", 123),
        ("1\u0663e2", 1300.0),
        ("1\u0662\u0660\u0662-03-15", dt.date(1202, 3, 15)),
        ("\u0663.5", "\u0663.5"),  # ... but the first must be ASCII
        ("-0", 0),
        ("5.", 5.0),
        ("1,234.5", 1234.5),
    ],
)
def test_type_text_keeps_its_own_patterns(text: str, typed: Any) -> None:
    # (the column checks' patterns are ASCII-only and must not stand in for these)
    assert (type(type_text(text)), type_text(text)) == (type(typed), typed)
