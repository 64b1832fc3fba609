"""Step 2, classify (continued): total rows by words and by sums, and page-footer rows.

Reports put subtotals and totals inside their tables. A row is a total when its first text cell
starts or ends with a total word (English, French, German, Spanish: ``Subtotal``, ``Sous-total``,
``Zwischensumme``, ``Total general``, ``Group total``...), or, when the row is sparser than the
segment's usual data row, when every number in it is the sum of the same column over the data
rows above it: since the last row that is not data (a subtotal) or since the header (a grand
total). That second test needs no words at all, so it holds in any language.

A text row of at most three cells one of which is a page number (``Page 2 of 4``, ``Seite 2 von
4``, ``2 / 4``) is a page footer: it is labelled ``note``, and table finding lets a table
continue across it (see :mod:`ade_engine.tables.extend`). So is a sparse row one of whose cells
is the word for page (``Page | 2 | of | 4`` in four cells). A sparse row none of whose cells
fits its column (each sits where the usual data row is empty or holds another kind of value,
e.g. ``Printed on`` + a date under an id and a name) is a ``note`` too: a footer or a label,
not a record.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ade_engine.tables.model import DATA, HEADER, NOTE, TOTAL
from ade_engine.tables.profile import Profile

if TYPE_CHECKING:
    from ade_engine.read import Sheet
    from ade_engine.tables.classify import Segment

_TOTAL_WORD = (
    r"(?:grand\s*|sub\s*-?\s*|sous\s*-?\s*|zwischen|teil|gesamt)?"
    r"(?:totals?|sum|summe|somme|suma|gesamt|insgesamt|average|avg|count|mean)"
)
#: The first text cell of a total row starts (or ends) with a total word.
TOTAL_RE = re.compile(rf"^\s*{_TOTAL_WORD}\b|\b(?:totals?|summe|gesamtsumme|insgesamt)\s*$", re.I)
#: A page number: an optional word (Page, Seite, Página, p.), a number, a short word or a slash,
#: a second number (``2 of 4``, ``2 sur 4``, ``2 von 4``, ``2/4``); or the word and one number.
PAGE_RE = re.compile(
    r"^\s*(?:[^\W\d_]{1,8}\.?\s*)?(\d{1,4})\s*(?:/|[^\W\d_]{1,4}\.?)\s*(\d{1,4})\s*$"
    r"|^\s*(?:page|seite|p[aá]gina|p[aá]g|p)\.?\s*\d{1,4}\s*$",
    re.I,
)
#: The word for page, alone in a cell (a footer that splits "Page | 2 | of | 4" into cells).
PAGE_WORD_RE = re.compile(r"^\s*(?:page|pg|seite|p[aá]gina|p[aá]g)\.?:?\s*$", re.I)
#: "Page 2 of 4" anywhere in a longer cell ("Printed 2024-03-01 - Page 2 of 4").
PAGE_IN_TEXT_RE = re.compile(
    r"\b(?:page|pg|seite|p[aá]gina|p[aá]g)\.?:?\s*\d{1,4}\s*(?:/|of|sur|von|de)\s*\d{1,4}\b", re.I
)
#: A shape test needs a usual data row seen at least this often.
MIN_USUAL = 3
#: A number matches a sum when it differs by less than this (sums are often rounded to cents).
SUM_TOLERANCE = 0.005


def is_total_text(value: Any) -> bool:
    return isinstance(value, str) and TOTAL_RE.search(value) is not None


def is_page_marker(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    m = PAGE_RE.match(value)
    if m is None:
        return PAGE_IN_TEXT_RE.search(value) is not None
    if m.group(1) is None:
        return True
    return 0 < int(m.group(1)) <= int(m.group(2))


def is_page_cells(values: list[Any]) -> bool:
    """A footer split into cells: the word for page, a number, maybe a short word, a number
    not below the first (``Page | 2 | of | 4``)."""
    if len(values) < 3 or len(values) > 4 or not isinstance(values[0], str):
        return False
    if PAGE_WORD_RE.match(values[0]) is None:
        return False
    first, last = _number(values[1]), _number(values[-1])
    if len(values) == 4 and not (isinstance(values[2], str) and len(values[2].strip()) <= 4):
        return False
    return first is not None and last is not None and 0 < first <= last


def is_page_footer(texts: Iterable[str]) -> bool:
    """A text row (at most three cells) holding a page number."""
    texts = list(texts)
    return len(texts) <= 3 and any(is_page_marker(t) for t in texts)


def _number(v: Any) -> float | None:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    return None


@dataclass(frozen=True)
class _Sparse:
    """What is known of a sparse row's signature before its values are read."""

    half: bool  # at most half as full as the usual data row: one matching sum will do
    misfit: bool  # every cell is in a column the usual data rows leave empty or fill otherwise
    fewer_text: bool  # fewer text cells than the usual row (else its sums are not checked)


def _candidates(profile: Profile, seg: Segment) -> dict[int, _Sparse]:
    """Signatures of the segment's data rows that are sparser than its usual data row (the
    most common signature holding a value), with what their shape already says."""
    sigs = profile.sigs
    counts = Counter(profile.ids[seg.r0 : seg.r1 + 1])

    def cells(sid: int) -> list[int]:
        return [i for i in sigs[sid].filled if seg.c0 <= i <= seg.c1]

    valued = [sid for sid in counts if any(sigs[sid].kinds[i] != "t" for i in cells(sid))]
    if not valued:
        return {}
    usual_sid = max(valued, key=counts.__getitem__)
    usual = cells(usual_sid)
    usual_text = sum(1 for i in usual if sigs[usual_sid].kinds[i] == "t")
    kinds = sigs[usual_sid].kinds
    found = {}
    for sid in valued:
        mine = cells(sid)
        text = sum(1 for i in mine if sigs[sid].kinds[i] == "t")
        if len(mine) < len(usual):
            fewer_text = text < usual_text or usual_text == 0
            misfit = (
                fewer_text
                and counts[usual_sid] >= MIN_USUAL
                and all(i >= len(kinds) or kinds[i] != sigs[sid].kinds[i] for i in mine)
            )
            found[sid] = _Sparse(len(mine) * 2 <= len(usual), misfit, fewer_text)
    return found


def find_total_rows(sheet: Sheet, profile: Profile, segments: list[Segment]) -> None:
    """Relabel the sparse data rows: ``total`` when they carry a total word or the sums of the
    rows above, ``note`` (a page footer) when a cell is the word for page, ``note`` when no
    cell fits its column (e.g. ``Printed on`` + a date under an id and a name)."""
    todo: list[tuple[Segment, dict[int, _Sparse]]] = []
    for seg in segments:
        cand = _candidates(profile, seg)
        if cand:
            sparse = {
                r: cand[profile.ids[r]]
                for r in range(seg.r0, seg.r1 + 1)
                if seg.codes[r - seg.r0] == DATA and profile.ids[r] in cand
            }
            if sparse:
                todo.append((seg, sparse))
    if not todo:
        return
    last = max(max(rows) for _, rows in todo)
    first = min(seg.r0 for seg, _ in todo)
    state = [_Sums() for _ in todo]
    for r, row in enumerate(sheet.iter_rows()):
        if r > last:
            break
        if r < first:
            continue
        for (seg, rows), sums in zip(todo, state, strict=True):
            if not seg.r0 <= r <= seg.r1:
                continue
            code = seg.codes[r - seg.r0]
            cells = profile.filled_in(r, seg.c0, seg.c1)
            if r in rows:
                code = _relabel(seg, r, row, cells, rows[r], sums)
            sums.add(code, row, cells, seg.keys.get(r))


def _relabel(
    seg: Segment, r: int, row: list[Any], cells: tuple[int, ...], sparse: _Sparse, sums: _Sums
) -> int:
    """The new label of a sparse data row (recorded in the segment)."""
    if any(is_total_text(row[i]) for i in cells):
        seg.totals[r] = "words"
        code = TOTAL
    elif any(is_page_marker(row[i]) for i in cells):  # "Printed" | a date | "Page 2 of 4"
        seg.footers.add(r)
        code = NOTE
    elif sparse.misfit:
        code = NOTE
    elif sparse.fewer_text and sums.is_sum(row, cells, sparse.half):
        seg.totals[r] = "sums"
        code = TOTAL
    else:
        return DATA
    seg.codes[r - seg.r0] = code
    return code


class _Sums:
    """Column sums of the data rows since the last non-data row and since the header."""

    def __init__(self) -> None:
        self.group: dict[int, float] = {}
        self.group_rows = 0
        self.all: dict[int, float] = {}
        self.all_rows = 0
        self.header: int | None = None

    def add(self, code: int, row: list[Any], cells: tuple[int, ...], key: int | None) -> None:
        if code == DATA:
            for i in cells:
                v = _number(row[i])
                if v is not None:
                    self.group[i] = self.group.get(i, 0.0) + v
                    self.all[i] = self.all.get(i, 0.0) + v
            self.group_rows += 1
            self.all_rows += 1
            return
        if code == HEADER and key != self.header:
            self.header = key
            self.all.clear()
            self.all_rows = 0
        if code != 0:  # any filled row that is not data ends a group
            self.group.clear()
            self.group_rows = 0

    def is_sum(self, row: list[Any], cells: tuple[int, ...], half: bool) -> bool:
        """Whether every number of the row is its column's sum since the last non-data row
        or since the header (one number is enough when the row is ``half`` full, else two)."""
        numbers = {i: v for i in cells if (v := _number(row[i])) is not None}
        if not numbers or not any(numbers.values()) or (len(numbers) < 2 and not half):
            return False
        for acc, n in ((self.group, self.group_rows), (self.all, self.all_rows)):
            if n >= 2 and all(
                i in acc and abs(acc[i] - v) < SUM_TOLERANCE + 1e-9 * abs(v)
                for i, v in numbers.items()
            ):
                return True
        return False
