"""Step 3, find (continued): the gaps a table continues across (see :mod:`.extend`).

Print-layout exports put page footers between pages (and often repeat the header), grouped
reports put a subtotal after each group and a section label before the next one. Such a run of
rows that are no data is a *gap*; :func:`find_gap` says whether the table continues after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ade_engine.tables.classify import Segment
from ade_engine.tables.model import BLANK, DATA, HEADER, NOTE, TOTAL
from ade_engine.tables.profile import Profile

#: A text row scoring this much as a header starts a new table (as in :mod:`.extend`).
NEW_HEADER_SCORE = 0.8
#: The most rows a gap may hold (e.g. subtotal, blank, footer, printed-on line, blank, header).
MAX_GAP = 6


@dataclass
class Gap:
    """The gap's rows as (row, decision kind, reason), and the data row the table resumes at."""

    rows: list[tuple[int, str, str]] = field(default_factory=list)
    resume: int = 0


def find_gap(
    profile: Profile, segment: Segment, header_row: int, start: int, header_key: int | None
) -> Gap | None:
    """The gap from row ``start`` when the table's column structure continues after it."""
    r1, codes = segment.r1, segment.codes
    header = set(profile.filled_in(header_row, segment.c0, segment.c1))

    def continues(r: int) -> bool:
        """The row fills more than half of the header's columns."""
        return len(header & set(profile.filled_in(r, segment.c0, segment.c1))) * 2 > len(header)

    kinds: list[tuple[int, int]] = []  # (row, code) of the gap
    resume = None
    j = start
    while j <= r1 and j - start < MAX_GAP:
        c = codes[j - segment.r0]
        if c == DATA and continues(j):
            resume = j
            break
        if c == DATA:  # a short line: a footer line if the gap holds a page footer
            kinds.append((j, c))
            j += 1
            continue
        if c == HEADER and (header_key is None or segment.keys.get(j) != header_key):
            if segment.hscores.get(j, 0.0) < NEW_HEADER_SCORE and not continues(j):
                # A short text row that is no header ("Region:" | "North"): a label.
                kinds.append((j, NOTE))
                j += 1
                continue
            return None  # a new header: the next table starts here
        if c not in (BLANK, NOTE, TOTAL, HEADER):
            return None  # a config row type: as before, it ends the table
        kinds.append((j, c))
        j += 1
    if resume is None or not any(c != BLANK for _, c in kinds):
        return None  # the column structure does not continue
    has_footer = any(r in segment.footers for r, _ in kinds)
    if any(c in (HEADER, DATA) for _, c in kinds) and not has_footer:
        # A note line above a repeated header starts a new table; a short data line stays
        # data (the table ends before it, as before).
        return None
    last_text = max((r for r, c in kinds if c == NOTE), default=None)
    gap = Gap(resume=resume)
    for r, c in kinds:
        gap.rows.append((r, *_explain(r, c, segment, has_footer, r == last_text)))
    return gap


def _explain(r: int, c: int, segment: Segment, has_footer: bool, last: bool) -> tuple[str, str]:
    if c == BLANK:
        return "blank", "blank row inside the table"
    if c == HEADER:
        return "repeated_header", "row repeats the header (next page); dropped"
    if c == DATA:
        return "footer", "short line between pages (next to a page footer)"
    if c == TOTAL:
        if segment.totals.get(r) == "sums":
            return "total", "subtotal or total row: its numbers are the sums of the rows above"
        return "total", "subtotal or total row (not data)"
    if r in segment.footers:
        return "footer", "page footer (it holds a page number)"
    if has_footer:
        return "footer", "footer line between pages"
    if last:
        return "section", "section label (one text cell) above the rows it labels"
    return "note", "note line inside the table"
