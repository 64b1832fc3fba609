"""The read pass: an input file becomes sheets of rows.

:func:`open_workbook` decides the format (:func:`sniff_format`) and opens the file:

- :mod:`.calamine`: spreadsheets (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) with python-calamine,
  hidden columns of ``.xlsx``/``.xlsm`` from the sheet XML;
- :mod:`.csv`: CSV streamed with the :mod:`csv` module (encoding, delimiter, value typing);
- :mod:`.cfb`: OLE compound files (legacy ``.xls``, and encrypted ``.xlsx``) are inspected
  before calamine opens them (:func:`inspect_cfb`), so that a password-protected file fails
  with a clear "encrypted" message.

Sheets are loaded through a :class:`SheetPool` (:mod:`.sheet`), which keeps memory bounded by
one sheet plus a budget of cells however many sheets a workbook has.

Rows are lists of cell values indexed from the sheet's first used column
(:attr:`Sheet.col_offset`); the empty string marks an empty cell. Values are as read: numbers
from spreadsheet cells are floats until :func:`clean_column` turns integral ones into ints
(:mod:`.cells`).
"""

from ade_engine.read.cells import (
    a1,
    a1_range,
    cell_kind,
    clean_column,
    col_letter,
    is_empty,
    raw_cells,
)
from ade_engine.read.cfb import CFB_MAGIC, inspect_cfb
from ade_engine.read.open import ZIP_MAGIC, open_workbook, sniff_format
from ade_engine.read.sheet import Sheet, SheetPool, Workbook

__all__ = [
    "CFB_MAGIC",
    "ZIP_MAGIC",
    "Sheet",
    "SheetPool",
    "Workbook",
    "a1",
    "a1_range",
    "cell_kind",
    "clean_column",
    "col_letter",
    "inspect_cfb",
    "is_empty",
    "open_workbook",
    "raw_cells",
    "sniff_format",
]
