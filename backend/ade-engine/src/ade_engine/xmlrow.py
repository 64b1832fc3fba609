"""A chunk's row template as a compiled function: the writer's hottest line.

The writer builds one ``%``-template per chunk of rows (its pieces made by
:func:`ade_engine.xmlcells.column_cells`: the row number several times, then each column's value)
and formats it once per row. ``template % tuple`` needs a tuple of every argument for every row
(the row number repeated for each cell); an f-string function of the distinct columns builds
the same text about a sixth faster, which for a million rows of ten columns is a quarter of a
second of the run's critical path.

:func:`row_formatter` turns a template and its argument columns into such a function (compiled
once per shape of template and cached) and the distinct columns to map it over. Only the
template's literal text is compiled, through :func:`repr`, so whatever it holds stays text;
the values are arguments. ``%s`` becomes ``{a}``, ``%r`` ``{a!r}`` and ``%d`` ``{a}`` (the
writer formats ints with ``%d``, which ``format`` writes the same).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

_PLACEHOLDER = re.compile(r"%[srd]")


def row_formatter(
    template: str, args: Sequence[Sequence[Any]]
) -> tuple[Callable[..., str], list[Sequence[Any]]]:
    """``(format_row, columns)`` such that ``map(format_row, *columns)`` gives
    ``template % row`` for every ``row`` of ``zip(*args)``; ``args`` may repeat a column (the
    same object), which is then passed once."""
    slots: dict[int, int] = {}
    columns: list[Sequence[Any]] = []
    params = []
    for column in args:
        slot = slots.get(id(column))
        if slot is None:
            slot = slots[id(column)] = len(columns)
            columns.append(column)
        params.append(slot)
    return _compile(template, tuple(params), len(columns)), columns


@lru_cache(maxsize=256)
def _compile(template: str, params: tuple[int, ...], n_columns: int) -> Callable[..., str]:
    literals = _PLACEHOLDER.split(template)
    conversions = _PLACEHOLDER.findall(template)
    if len(conversions) != len(params) or any("%" in text for text in literals):
        raise ValueError(f"not a row template of {len(params)} values: {template[:80]!r}")
    parts = []
    for text, conversion, param in zip(literals, [*conversions, ""], [*params, -1], strict=True):
        if text:
            parts.append("f" + repr(text.replace("{", "{{").replace("}", "}}")))
        if conversion:
            parts.append(f"f'{{a{param}{'!r' if conversion == '%r' else ''}}}'")
    names = ", ".join(f"a{i}" for i in range(n_columns))
    function: Callable[..., str] = eval(f"lambda {names}: {' '.join(parts)}")  # noqa: S307
    return function
