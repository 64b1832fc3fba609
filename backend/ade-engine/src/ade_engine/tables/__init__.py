"""Row classification and table finding.

A sheet is read in three cheap passes:

1. **profile**: each row's shape (which cells are filled and with what kind of value) is reduced
   to a *signature*; rows with the same signature share one analysis, so a 100,000-row table
   costs one dict look-up per row.
2. **classify**: the sheet is cut into *bands* (runs of rows separated by two or more blank
   rows) and each band into *segments* (runs of columns separated by a column that is empty in
   the whole band), so tables side by side are found on their own. Each row of each segment is
   labelled ``blank``, ``header``, ``data``, ``note`` or ``total`` by the built-in scores plus the
   config's ``row_types`` classifiers; the best score wins.
3. **find**: a small state machine walks each segment's labels: title and note rows before a
   header are skipped, a header followed by data opens a table (a text row right above it that
   groups columns, e.g. a merged label, becomes a stacked header row), data rows extend it, a
   single blank row is tolerated when data follows, a row equal to the header is a repeated
   header (dropped), total and note rows are excluded, two blank rows, a note line or a new
   header close it. Three or more data rows with no header above form a headerless table.

Every decision is kept (with the row number and a reason) for the artifact.

The steps are modules: :mod:`.profile`, :mod:`.classify`, :mod:`.find` (with :mod:`.extend`),
then :mod:`.columns` (header texts, group labels and samples; the data rows by chunk);
:mod:`.scan` runs them in order and :mod:`.model` holds what they share.
"""

from ade_engine.tables.columns import iter_table_chunks
from ade_engine.tables.model import (
    BLANK,
    BUILTIN_NAMES,
    DATA,
    HEADER,
    NOTE,
    TOTAL,
    ColumnInfo,
    RowClassifier,
    SheetScan,
    Table,
)
from ade_engine.tables.scan import SheetScanner

__all__ = [
    "BLANK",
    "BUILTIN_NAMES",
    "DATA",
    "HEADER",
    "NOTE",
    "TOTAL",
    "ColumnInfo",
    "RowClassifier",
    "SheetScan",
    "SheetScanner",
    "Table",
    "iter_table_chunks",
]
