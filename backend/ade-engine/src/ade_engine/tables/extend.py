"""Step 3, find (continued): how an open table extends and where it closes.

Data rows extend a table; a single blank row is tolerated when data follows; a row equal to the
header is a repeated header (dropped); total and config row-type rows are excluded (the table
continues when data follows); two blank rows, a note line or a new header close it.

A table with a header also continues across a short *gap* of rows that are no data (at most
:data:`MAX_GAP` rows of blanks, notes, totals and repeated headers) when the column structure
continues after it: the first data row after the gap fills more than half of the header's
columns. Every gap row is excluded and recorded with its
reason: a page footer (a row with a page number, and the note lines around it), a section label
(a note line right before the data it labels), a subtotal or total, a blank or a repeated header.
A gap holding a repeated header continues the table only when it also holds a page footer (a
print layout repeating its header on every page); without one, a note line above a repeated
header starts a new table, as before.
"""

from __future__ import annotations

import re
from collections import Counter

from ade_engine.artifact_types import RowDecision
from ade_engine.read.sheet import Sheet
from ade_engine.tables.classify import Segment
from ade_engine.tables.gaps import NEW_HEADER_SCORE, find_gap
from ade_engine.tables.model import (
    BLANK,
    BUILTIN_NAMES,
    DATA,
    HEADER,
    MAX_DECISIONS,
    NOTE,
    TOTAL,
    Table,
)
from ade_engine.tables.profile import Profile

#: A row code other than DATA, in a segment's codes.
_NOT_DATA = re.compile(b"[^%c]" % DATA)


def open_table(
    sheet: Sheet,
    profile: Profile,
    segment: Segment,
    type_names: list[str],
    header_rows: list[int],
    first_data: int,
) -> tuple[Table, int]:
    """Open a table at ``first_data`` and walk its rows; return it and the row after it."""
    r0, r1 = segment.r0, segment.r1
    codes, keys, hscores = segment.codes, segment.keys, segment.hscores

    def code(r: int) -> int:
        return codes[r - r0] if r0 <= r <= r1 else BLANK

    header_key = keys.get(header_rows[-1]) if header_rows else None
    excluded: dict[int, str] = {}
    decisions: list[RowDecision] = []

    def decide(r: int, kind: str, reason: str) -> None:
        if len(decisions) < MAX_DECISIONS:
            decisions.append({"row": r + 1, "kind": kind, "reason": reason})

    def bridge(r: int) -> int | None:
        """The first data row after a gap starting at ``r`` (the gap recorded), or None."""
        if not header_rows:
            return None
        gap = find_gap(profile, segment, header_rows[-1], r, header_key)
        if gap is None:
            return None
        for row, kind, reason in gap.rows:
            excluded[row] = reason
            decide(row, kind, reason + "; table continues")
        return gap.resume

    last_data = first_data
    r = first_data
    while r <= r1:
        c = code(r)
        if c == DATA:  # the run of data rows from here, found at once (in C)
            nxt = _NOT_DATA.search(codes, r - r0 + 1, r1 - r0 + 1)
            r = r1 + 1 if nxt is None else nxt.start() + r0
            last_data = r - 1
            continue
        if c == BLANK:
            if r + 1 <= r1 and code(r + 1) == DATA and code(r - 1) == DATA:
                excluded[r] = "blank row inside the table"
                decide(r, "blank", "single blank row inside the table, table continues")
                r += 1
                continue
            if (resume := bridge(r)) is not None:
                r = resume
                continue
            break
        if c == HEADER:
            if header_key is not None and keys.get(r) == header_key:
                excluded[r] = "repeated header row"
                decide(r, "repeated_header", "row repeats the header; dropped")
                r += 1
                continue
            if not header_rows or hscores.get(r, 0.0) >= NEW_HEADER_SCORE:
                break  # a new header: the next table starts here
            if (resume := bridge(r)) is not None:  # a short text row before data: a section label
                r = resume
                continue
            last_data = r  # an all-text row inside a table is data
            r += 1
            continue
        if c in (TOTAL, NOTE) or c >= len(BUILTIN_NAMES):
            name = type_names[c]
            reason = {
                TOTAL: "total row under the table (its numbers are the sums of the rows "
                "above; not data)"
                if segment.totals.get(r) == "sums"
                else "total row under the table (not data)",
                NOTE: "note row (not data)",
            }.get(c, f"{name} row (config row type)")
            if c == NOTE:
                if (resume := bridge(r)) is not None:
                    r = resume
                    continue
                decide(r, "note", "note line ends the table")
                break
            if r + 1 <= r1 and code(r + 1) == DATA:
                excluded[r] = reason
                decide(r, name, reason + "; table continues")
                r += 1
                continue
            if (resume := bridge(r)) is not None:
                r = resume
                continue
            decide(r, name, reason + "; table ends")
            r += 1
            # absorb the footer rows right under the table
            break
        break
    # Excluded rows past the last data row are outside the table.
    excluded = {row: why for row, why in excluded.items() if row < last_data}
    table = _close(sheet, profile, segment, header_rows, first_data, last_data, excluded)
    table.decisions = decisions
    _explain_header(table)
    return table, max(r, last_data + 1)


def _close(
    sheet: Sheet,
    profile: Profile,
    segment: Segment,
    header_rows: list[int],
    first_data: int,
    last_data: int,
    excluded: dict[int, str],
) -> Table:
    """The table over rows ``first_data..last_data``, its columns those the rows fill."""
    # Column range: every column filled in the header or data rows, inside the segment.
    ids, sigs = profile.ids, profile.sigs
    c0, c1 = segment.c0, segment.c1
    counts = Counter(ids[first_data : last_data + 1])
    counts.subtract(ids[row_i] for row_i in excluded)
    counts.update(ids[row_i] for row_i in header_rows)
    used: set[int] = set()
    for sid, count in counts.items():
        if count > 0:
            used.update(i for i in sigs[sid].filled if c0 <= i <= c1)
    off = sheet.col_offset
    lo, hi = (min(used), max(used)) if used else (c0, c1)
    return Table(
        sheet=sheet.name,
        sheet_index=sheet.index,
        number=0,
        col_start=lo + off,
        col_end=hi + off,
        header_rows=list(header_rows),
        data_start=first_data,
        data_end=last_data,
        headerless=not header_rows,
        excluded=excluded,
    )


def _explain_header(table: Table) -> None:
    """The first decision says when the table has no header or a stacked one."""
    if table.headerless:
        table.decisions.insert(
            0,
            {
                "row": table.data_start + 1,
                "kind": "headerless",
                "reason": "data rows with no header row above; columns are "
                "mapped by value-based detectors",
            },
        )
    elif len(table.header_rows) == 2:
        table.decisions.insert(
            0,
            {
                "row": table.header_rows[0] + 1,
                "kind": "stacked_header",
                "reason": "row above the header groups its columns; its labels "
                "apply to every column they span",
            },
        )
