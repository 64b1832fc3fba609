"""Step 4, merge: one table split by spacer columns becomes one table again.

Classification cuts a band at every column that is empty in the whole band, so a table whose
header has an empty column in the middle (a visual gap) is found as two tables side by side.
Two neighbouring tables are one when they share the header row(s) and the same data rows (row
by row, the same rows excluded) and their headers map to *disjoint* fields; when their fields
overlap they are real side-by-side tables (each block repeats fields of the other) and stay
apart. A block with no header of its own that is filled only on its neighbour's header and data
rows (a one-column side is read as note rows, a text-only side as a headerless block) is read
with its neighbour's header row for that test (:func:`propose_blocks`); when it does not merge,
what was found there stays as it was.

The merge needs the mapping, and it lives here, in table finding, with the part of the mapping
that reads headers: the built-in synonym matcher (the same one that scores header rows). Tables
must be final before the detect pass, because detectors, hooks, the artifact and the written
rows all work per table; deciding after the full mapping would mean scoring every block twice
(apart and merged) and showing hooks tables that do not exist. A block whose headers match no
field is never merged (there is nothing to tell a spacer from a neighbour by).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ade_engine.artifact_types import SheetDecision
from ade_engine.read import Sheet, col_letter
from ade_engine.tables.classify import Segment
from ade_engine.tables.model import ColumnInfo, Table
from ade_engine.tables.profile import Profile
from ade_engine.text import SynonymMatcher

#: The widest spacer: empty columns between the two blocks of one table.
MAX_SPACER = 3


@dataclass
class Proposal:
    """A block beside a table, read with that table's header row and data rows."""

    block: Table
    replaces: list[Table] = field(default_factory=list)  # what was found in its segment


def propose_blocks(
    sheet: Sheet, profile: Profile, segments: list[Segment], tables: list[Table]
) -> list[Proposal]:
    """Blocks that may be the far side of a spacer: a segment next to a table with a header,
    holding no header of its own and filled only on that table's header and data rows (so it
    was read as notes, or as a headerless block)."""
    off = sheet.col_offset
    proposals: list[Proposal] = []
    taken: set[int] = set()
    for t in tables:
        if not t.header_rows:
            continue
        near = [k for k, seg in enumerate(segments) if _beside(seg, t, off)]
        if not near:  # (the set of data rows below is a million ints for a million-row table)
            continue
        h = t.header_rows[-1]
        rows = {r for r in range(t.data_start, t.data_end + 1) if r not in t.excluded}
        for k in near:
            seg = segments[k]
            if k in taken:
                continue
            filled = {r for r in range(seg.r0, seg.r1 + 1) if profile.filled_in(r, seg.c0, seg.c1)}
            if h not in filled or not filled - {h} <= rows or len(filled) * 2 <= len(rows):
                continue
            inside = [o for o in tables if seg.c0 + off <= o.col_start <= seg.c1 + off]
            if any(o.header_rows for o in inside if o.top <= t.data_end and o.data_end >= t.top):
                continue
            block = Table(
                sheet=t.sheet,
                sheet_index=t.sheet_index,
                number=0,
                col_start=seg.c0 + off,
                col_end=seg.c1 + off,
                header_rows=[h],
                data_start=t.data_start,
                data_end=t.data_end,
                excluded=dict(t.excluded),
            )
            proposals.append(Proposal(block, inside))
            taken.add(k)
    return proposals


def _beside(seg: Segment, t: Table, off: int) -> bool:
    """The segment spans the table's rows and is at most MAX_SPACER empty columns away."""
    if not (seg.r0 <= t.top and t.data_end <= seg.r1):
        return False
    right = seg.c0 + off - t.col_end - 1
    left = t.col_start - seg.c1 - off - 1
    return 1 <= right <= MAX_SPACER or 1 <= left <= MAX_SPACER


def merge_spacers(
    sheet: Sheet,
    tables: list[Table],
    matcher: SynonymMatcher,
    proposals: list[Proposal],
    decisions: list[SheetDecision],
) -> list[Table]:
    """The tables with every spacer-split table merged (see the module docstring)."""
    replaced = {id(o) for p in proposals for o in p.replaces}
    candidates = [t for t in tables if id(t) not in replaced] + [p.block for p in proposals]
    out: list[Table] = []
    for t in sorted(candidates, key=lambda t: (t.top, t.col_start)):
        left = out[-1] if out else None
        if left is not None and _mergeable(left, t, candidates, matcher):
            out[-1] = _merge(sheet, left, t, decisions)
            continue
        out.append(t)
    for p in proposals:
        if any(t is p.block for t in out):  # not merged: what was found there stays
            out.remove(p.block)
            out.extend(p.replaces)
    return out


def _fields(t: Table, matcher: SynonymMatcher) -> set[str]:
    found = set()
    for col in t.columns:
        fld, _ = matcher.best(col.merged_header or col.header)
        if fld is not None:
            found.add(fld)
    return found


def _mergeable(left: Table, right: Table, tables: list[Table], matcher: SynonymMatcher) -> bool:
    if (
        not left.header_rows
        or left.header_rows != right.header_rows
        or (left.data_start, left.data_end) != (right.data_start, right.data_end)
        or set(left.excluded) != set(right.excluded)
        or right.col_start <= left.col_end
    ):
        return False
    for o in tables:  # nothing else sits in the spacer
        if (
            o is not left
            and o is not right
            and o.col_start < right.col_start
            and o.col_end > left.col_end
            and o.top <= left.data_end
            and o.data_end >= left.top
        ):
            return False
    a, b = _fields(left, matcher), _fields(right, matcher)
    return bool(a) and bool(b) and not a & b


def _merge(sheet: Sheet, left: Table, right: Table, decisions: list[SheetDecision]) -> Table:
    spacer = range(left.col_end + 1, right.col_start)
    letters = f"{col_letter(spacer[0])}:{col_letter(spacer[-1])}" if spacer else ""
    merged = Table(
        sheet=left.sheet,
        sheet_index=left.sheet_index,
        number=0,
        col_start=left.col_start,
        col_end=right.col_end,
        header_rows=list(left.header_rows),
        data_start=left.data_start,
        data_end=left.data_end,
        excluded=dict(left.excluded),
        columns=[
            *left.columns,
            *(ColumnInfo(index=c, hidden=c in sheet.hidden_columns) for c in spacer),
            *right.columns,
        ],
    )
    merged.decisions = [
        *left.decisions,
        {
            "row": left.header_rows[-1] + 1,
            "kind": "spacer_merged",
            "reason": f"empty spacer column(s) {letters} inside one header row: the blocks "
            "either side share their data rows and map to different fields, so they are one "
            "table",
        },
        *(d for d in right.decisions if d["kind"] != "headerless"),
    ]
    # The notes the finder recorded for a block read as notes are now that block's cells.
    first, last = right.header_rows[-1] + 1, right.data_end + 1
    letter = col_letter(right.col_start)
    decisions[:] = [
        d
        for d in decisions
        if not (
            first <= d["row"] <= last
            and d["kind"] == "skipped"
            and d["columns"].split(":")[0] == letter
        )
    ]
    return merged
