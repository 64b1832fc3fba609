"""Step 1, profile: each row's shape reduced to a *signature*.

A signature is which cells are filled and with what kind of value. Rows with the same signature
share one analysis, so a 100,000-row table costs one dict look-up per row.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ade_engine.read.csvtype import TypedBlock

_KIND = {
    str: "t",
    int: "n",
    float: "n",
    bool: "b",
    dt.date: "d",
    dt.datetime: "d",
    dt.time: "d",
    dt.timedelta: "d",
}


def _kind_of(t: type) -> str:
    k = _KIND.get(t)
    if k is None:
        return "n" if issubclass(t, int | float) else "t"
    return k


@dataclass
class Sig:
    """A row signature."""

    kinds: tuple[str, ...]  # per cell: "" empty, t text, n number, b bool, d date/time
    filled: tuple[int, ...]  # positions of non-empty cells


@dataclass
class Profile:
    """Every row's signature id (``ids``, in row order) and the distinct signatures."""

    ids: array[int] = field(default_factory=lambda: array("i"))
    sigs: list[Sig] = field(default_factory=list)

    _cache: dict[Any, int] = field(default_factory=dict, repr=False, compare=False)  # key -> id

    def read(self, rows: Iterable[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
        """Profile ``rows`` in order, yielding (signature id, row) for each."""
        cache = self._cache
        append = self.ids.append
        rep = itertools.repeat("")
        eq = operator.eq
        for row in rows:
            # Only rows holding an empty cell need its positions in the key.
            key = (tuple(map(type, row)), tuple(map(eq, row, rep)) if "" in row else None)
            sid = cache.get(key)
            if sid is None:
                sid = self._add(key)
            append(sid)
            yield sid, row

    def read_blocks(self, blocks: Iterable[TypedBlock]) -> Iterator[tuple[int, list[Any]]]:
        """Like :meth:`read` over the blocks' rows; a block whose rows all have one shape
        (:meth:`TypedBlock.row_types`: the typer knows) is looked up once, not row by row."""
        for block in blocks:
            types = block.row_types()
            if types is None:
                yield from self.read(block.rows())
                continue
            key = (types, None)
            sid = self._cache.get(key)
            if sid is None:
                sid = self._add(key)
            rows = block.rows()
            self.ids.extend(array("i", (sid,)) * len(rows))
            for row in rows:
                yield sid, row

    def _add(self, key: tuple[tuple[type, ...], tuple[bool, ...] | None]) -> int:
        types_ = key[0]
        empties = key[1] or (False,) * len(types_)
        kinds = tuple("" if e else _kind_of(t) for t, e in zip(types_, empties, strict=True))
        filled = tuple(i for i, k in enumerate(kinds) if k)
        sid = self._cache[key] = len(self.sigs)
        self.sigs.append(Sig(kinds, filled))
        return sid

    def filled(self, r: int) -> tuple[int, ...]:
        """Positions of the non-empty cells of row ``r``."""
        return self.sigs[self.ids[r]].filled

    def filled_in(self, r: int, c0: int, c1: int) -> tuple[int, ...]:
        """Positions of the non-empty cells of row ``r`` within columns ``c0..c1``."""
        return tuple(i for i in self.sigs[self.ids[r]].filled if c0 <= i <= c1)
