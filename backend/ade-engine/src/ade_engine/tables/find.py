"""Step 3, find: a small state machine walks each segment's row labels.

Title and note rows before a header are skipped; a header followed by data opens a table (a
text row right above it that groups columns, e.g. a merged label, becomes a stacked header row);
three or more data rows with no header above form a headerless table. How an open table extends
and closes is :mod:`ade_engine.tables.extend`.
"""

from __future__ import annotations

from collections.abc import Callable

from ade_engine.artifact_types import SheetDecision
from ade_engine.read.cells import col_letter
from ade_engine.read.sheet import Sheet
from ade_engine.tables.classify import Segment
from ade_engine.tables.extend import open_table
from ade_engine.tables.model import (
    BLANK,
    DATA,
    HEADER,
    MAX_DECISIONS,
    MIN_HEADERLESS_ROWS,
    NOTE,
    Table,
)
from ade_engine.tables.profile import Profile


class Finder:
    """Finds the tables of a sheet's segments, keeping the sheet-level decisions."""

    def __init__(
        self, sheet: Sheet, profile: Profile, type_names: list[str], *, header_scan_rows: int
    ) -> None:
        self.sheet = sheet
        self.profile = profile
        self.type_names = type_names
        self.header_scan_rows = header_scan_rows
        self.decisions: list[SheetDecision] = []

    def _note(self, r: int, kind: str, reason: str, seg: str) -> None:
        if len(self.decisions) < MAX_DECISIONS:
            self.decisions.append({"row": r + 1, "kind": kind, "columns": seg, "reason": reason})

    def find(self, segment: Segment) -> list[Table]:
        """The tables of one segment, top to bottom."""
        r0, r1, c0, c1 = segment.r0, segment.r1, segment.c0, segment.c1
        codes = segment.codes
        off = self.sheet.col_offset
        seg = f"{col_letter(c0 + off)}:{col_letter(c1 + off)}"
        tables: list[Table] = []

        def code(r: int) -> int:
            return codes[r - r0] if r0 <= r <= r1 else BLANK

        def next_filled(r: int, max_blanks: int = 1) -> int | None:
            """The first non-blank row after r, skipping at most max_blanks blank rows."""
            j = r + 1
            blanks = 0
            while j <= r1 and code(j) == BLANK:
                blanks += 1
                j += 1
            if j > r1 or blanks > max_blanks:
                return None
            return j

        def filled_cols(r: int) -> tuple[int, ...]:
            return self.profile.filled_in(r, c0, c1)

        def open_at(header_rows: list[int], first_data: int) -> int:
            table, after = open_table(
                self.sheet, self.profile, segment, self.type_names, header_rows, first_data
            )
            tables.append(table)
            return after

        r = r0
        candidate: int | None = None  # a header row not directly followed by data
        while r <= r1:
            c = code(r)
            if c == BLANK:
                r += 1
                continue
            if c == HEADER:
                nf = next_filled(r)
                if nf is not None and code(nf) == DATA:
                    r = open_at([r], nf)
                    candidate = None
                    continue
                if nf == r + 1 and code(nf) == HEADER:
                    after = next_filled(nf)
                    if (
                        after is not None
                        and code(after) == DATA
                        and self._is_group_row(r, nf, filled_cols)
                    ):
                        r = open_at([r, nf], after)
                        candidate = None
                        continue
                    if after is not None and code(after) in (HEADER, DATA):
                        # An all-text table: its first row is the header.
                        r = open_at([r], nf)
                        candidate = None
                        continue
                self._note(r, "skipped", "text row not followed by data (title or note)", seg)
                candidate = r
                r += 1
                continue
            if c == NOTE:
                nf = next_filled(r, max_blanks=0)
                if (
                    nf is not None
                    and code(nf) == HEADER
                    and self._is_merged_group(r, nf, filled_cols)
                ):
                    after = next_filled(nf)
                    if after is not None and code(after) == DATA:
                        r = open_at([r, nf], after)
                        candidate = None
                        continue
                self._note(r, "skipped", "title or note row", seg)
                r += 1
                continue
            if c == DATA:
                if candidate is not None and r - candidate <= self.header_scan_rows:
                    self._note(
                        candidate,
                        "header",
                        f"header found {r - candidate} rows above "
                        "its first data row (within header_scan_rows)",
                        seg,
                    )
                    r = open_at([candidate], r)
                    candidate = None
                    continue
                run_end, count = _data_run(r, r1, code)
                if count >= MIN_HEADERLESS_ROWS:
                    r = open_at([], r)
                    continue
                for j in range(r, run_end + 1):
                    if code(j) == DATA:
                        self._note(
                            j,
                            "skipped",
                            "data-like row too short to be a table "
                            f"({count} row{'s' if count > 1 else ''}; a table without "
                            f"a header needs {MIN_HEADERLESS_ROWS})",
                            seg,
                        )
                r = run_end + 1
                continue
            self._note(r, "skipped", f"{self.type_names[c]} row outside a table", seg)
            r += 1
        return tables

    def _is_group_row(self, r: int, h: int, filled_cols: Callable[[int], tuple[int, ...]]) -> bool:
        top, bottom = filled_cols(r), filled_cols(h)
        if not bottom or not top:
            return False
        if self._merged_in_row(r):
            return True
        # Group labels sit over the header's columns: sparse ("Contact" over two columns) or
        # repeated ("Home", "Home", "Work", "Work") when the file has no merged cells.
        return len(top) <= len(bottom) and top[0] >= bottom[0] and top[-1] <= bottom[-1]

    def _is_merged_group(
        self, r: int, h: int, filled_cols: Callable[[int], tuple[int, ...]]
    ) -> bool:
        """A single text cell above a header that is merged across some (not all) columns."""
        bottom = filled_cols(h)
        if not bottom:
            return False
        off = self.sheet.col_offset
        for mr0, mc0, mr1, mc1 in self.sheet.merged:
            if mr0 <= r <= mr1 and mr1 < h and mc1 > mc0:
                lo, hi = mc0 - off, mc1 - off
                if lo >= bottom[0] and hi <= bottom[-1] and (lo, hi) != (bottom[0], bottom[-1]):
                    return True
        return False

    def _merged_in_row(self, r: int) -> bool:
        return any(mr0 <= r <= mr1 and mc1 > mc0 for mr0, mc0, mr1, mc1 in self.sheet.merged)


def _data_run(r: int, r1: int, code: Callable[[int], int]) -> tuple[int, int]:
    """(last data row, data row count) of the run of data rows from ``r``."""
    count = 0
    end = r
    j = r
    while j <= r1:
        c = code(j)
        if c == DATA:
            count += 1
            end = j
            j += 1
        elif c == BLANK and j + 1 <= r1 and code(j + 1) == DATA and code(j - 1) == DATA:
            j += 1
        else:
            break
    return end, count
