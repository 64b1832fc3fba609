"""Sheets and workbooks as the engine reads them, and the pool that bounds their memory.

Rows are lists of cell values indexed from the sheet's first used column
(:attr:`Sheet.col_offset`); the empty string marks an empty cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ade_engine.read.csvtype import TypedBlock


@dataclass(eq=False)
class Sheet:
    """One sheet of an input: metadata plus a re-startable row iterator."""

    name: str
    index: int
    visible: bool = True
    visibility: str = "visible"
    hidden_columns: set[int] = field(default_factory=set)
    col_offset: int = 0
    #: values are typed by the reader (CSV) rather than by cell type (spreadsheets).
    typed_text: bool = False
    #: how many times the sheet was loaded (parsed) during the run.
    loads: int = 0
    _rows: Any = None
    _blocks: Any = None
    _prepare: Any = None
    _park: Any = None
    _release: Any = None
    _cells: Any = None
    _merged: Any = field(default_factory=list, repr=False)

    @property
    def merged(self) -> list[tuple[int, int, int, int]]:
        """Merged ranges as (first_row, first_col, last_row, last_col), absolute, 0-based. A
        reader may set a function that finds them (a streamed sheet's are found while its
        first rows are read); it is called once, when they are first asked for."""
        if callable(self._merged):
            self._merged = self._merged()
        merged: list[tuple[int, int, int, int]] = self._merged
        return merged

    @merged.setter
    def merged(
        self,
        value: list[tuple[int, int, int, int]] | Callable[[], list[tuple[int, int, int, int]]],
    ) -> None:
        self._merged = value

    def prepare(self) -> None:
        """Load the sheet (spreadsheets load a sheet at a time) and fill offsets and merges."""
        if self._prepare is not None:
            self._prepare()

    def park(self) -> None:
        """Free the loaded sheet's memory but keep its rows readable without parsing it
        again (spreadsheets copy them to a temporary file); like :meth:`release` where the
        reader has no such copy."""
        if self._park is not None:
            self._park()
        else:
            self.release()

    def release(self) -> None:
        """Free the loaded sheet (spreadsheets hold a whole sheet in memory while in use)."""
        if self._release is not None:
            self._release()

    @property
    def loaded_cells(self) -> int:
        """Cells the loaded sheet holds in the reader's memory (0 when not loaded, and for CSV,
        which is streamed): the used range's height x width, since calamine keeps it dense."""
        return int(self._cells()) if self._cells is not None else 0

    def iter_rows(self) -> Iterator[list[Any]]:
        """Every row from row 0; row ``i`` of the iteration is sheet row ``i``."""
        rows: Iterator[list[Any]] = self._rows()
        return rows

    def iter_blocks(self) -> Iterator[TypedBlock] | None:
        """Every row from row 0 as blocks kept by column, when the reader reads that way (a
        CSV: typed by column, replayed from its copy after the first read, :mod:`.spill`; a
        streamed ``.xlsx`` sheet the same way, :mod:`.xlsx_stream`); else None, and
        :meth:`iter_rows` is the way to read the rows."""
        if self._blocks is None:
            return None
        blocks: Iterator[TypedBlock] | None = self._blocks()
        return blocks


class SheetPool:
    """Decides which sheets stay loaded, so that memory does not grow with the sheet count.

    :meth:`load` loads a sheet, first parking other loaded sheets (:meth:`Sheet.park`: the
    last in sheet order first, since sheets are written in order) until the ones kept hold at
    most ``retain_cells`` cells. So at any time the loaded sheets are the one in use plus at
    most ``retain_cells`` cells of others; a parked sheet's rows are read back from a
    temporary file when they are written, so every sheet is parsed once. :meth:`done`
    releases a sheet that is no longer needed.
    """

    def __init__(self, retain_cells: int) -> None:
        self.retain_cells = retain_cells
        self._loaded: list[Sheet] = []  # in use, or kept loaded within the budget
        self._parked: list[Sheet] = []

    @property
    def loaded(self) -> list[Sheet]:
        return list(self._loaded)

    def load(self, sheet: Sheet) -> None:
        if any(s is sheet for s in self._loaded):
            return
        others = sorted(self._loaded, key=lambda s: s.index)
        kept = sum(s.loaded_cells for s in others)
        while others and kept > self.retain_cells:
            victim = others.pop()
            kept -= victim.loaded_cells
            victim.park()
            self._loaded = [s for s in self._loaded if s is not victim]
            self._parked.append(victim)
        sheet.prepare()
        self._parked = [s for s in self._parked if s is not sheet]
        self._loaded.append(sheet)

    def done(self, sheet: Sheet) -> None:
        sheet.release()
        self._loaded = [s for s in self._loaded if s is not sheet]
        self._parked = [s for s in self._parked if s is not sheet]

    def close(self) -> None:
        """Release every sheet loaded or parked (the copies of parked ones too)."""
        for sheet in self._loaded + self._parked:
            sheet.release()
        self._loaded, self._parked = [], []


@dataclass
class Workbook:
    path: Path
    format: str
    sheets: list[Sheet]
    details: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        closer = self.details.pop("_close", None)
        if closer is not None:
            closer()
