"""The writer's row template compiled to a function: the same text as ``%``, whatever the
template's literal text holds."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ade_engine.xmlrow import row_formatter

LITERAL = st.text(alphabet="<>=\"' /{}\\rAc1\u00e9\n", max_size=8)
VALUES = {
    "%s": st.one_of(st.text(max_size=5), st.integers(), st.floats(allow_nan=False)),
    "%r": st.one_of(st.integers(), st.floats(allow_nan=False)),
    "%d": st.integers(-(10**6), 10**6),
}


@st.composite
def templates(draw: st.DrawFn) -> tuple[str, list[list[Any]]]:
    """A template of literal text and placeholders, and its argument columns (some the same
    column more than once, as the row numbers are)."""
    n_rows = draw(st.integers(0, 4))
    rows: list[Any] = [str(i) for i in range(n_rows)]
    text = ""
    args: list[list[Any]] = []
    for _ in range(draw(st.integers(1, 6))):
        conversion = draw(st.sampled_from(["%s", "%r", "%d"]))
        text += draw(LITERAL) + conversion
        if conversion == "%s" and draw(st.booleans()):
            args.append(rows)  # the same object again
        else:
            args.append([draw(VALUES[conversion]) for _ in range(n_rows)])
    return text + draw(LITERAL), args


@settings(max_examples=300, deadline=None)
@given(case=templates())
def test_rows_format_as_the_template_does(case: tuple[str, list[list[Any]]]) -> None:
    template, args = case
    format_row, columns = row_formatter(template, args)
    assert len(columns) == len({id(a) for a in args})
    assert list(map(format_row, *columns)) == [template % row for row in zip(*args, strict=True)]


def test_a_template_it_cannot_read_is_refused() -> None:
    with pytest.raises(ValueError, match="not a row template"):
        row_formatter("<v>%s</v> 100%", [[1]])
    with pytest.raises(ValueError, match="not a row template"):
        row_formatter("<v>%s%s</v>", [[1]])
