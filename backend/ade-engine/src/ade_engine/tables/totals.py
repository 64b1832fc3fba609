"""Step 2, classify (continued): total rows by words and by sums, and page-footer rows.

Reports put subtotals and totals inside their tables. A row is a total when its first text cell
starts or ends with a total word (English, French, German, Spanish: ``Subtotal``, ``Sous-total``,
``Zwischensumme``, ``Total general``, ``Group total``...), or, when the row is sparser than the
segment's usual data row, when every number in it is the sum of the same column over the data
rows above it: since the last row that is not data (a subtotal) or since the header (a grand
total). That second test needs no words at all, so it holds in any language.

A text row of at most three cells one of which is a page number (``Page 2 of 4``, ``Seite 2 von
4``, ``2 / 4``) is a page footer: it is labelled ``note``, and table finding lets a table
continue across it (see :mod:`ade_engine.tables.extend`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ade_engine.tables.model import DATA, HEADER, TOTAL
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
#: A number matches a sum when it differs by less than this (sums are often rounded to cents).
SUM_TOLERANCE = 0.005


def is_total_text(value: Any) -> bool:
    return isinstance(value, str) and TOTAL_RE.search(value) is not None


def is_page_marker(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    m = PAGE_RE.match(value)
    if m is None:
        return False
    if m.group(1) is None:
        return True
    return 0 < int(m.group(1)) <= int(m.group(2))


def is_page_footer(texts: Iterable[str]) -> bool:
    """A text row (at most three cells) holding a page number."""
    texts = list(texts)
    return len(texts) <= 3 and any(is_page_marker(t) for t in texts)


def _number(v: Any) -> float | None:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    return None


def _candidates(profile: Profile, seg: Segment) -> dict[int, bool]:
    """Signatures of the segment's data rows that are sparser than its usual data row, and
    whether they are at most half as full (else two sums must match, not one: a sparse data
    row ``[3, "Cy", None]`` under ids 1 and 2 is no total)."""
    sigs = profile.sigs
    counts = Counter(profile.ids[seg.r0 : seg.r1 + 1])

    def shape(sid: int) -> tuple[int, int, int]:
        filled = [i for i in sigs[sid].filled if seg.c0 <= i <= seg.c1]
        text = sum(1 for i in filled if sigs[sid].kinds[i] == "t")
        numbers = sum(1 for i in filled if sigs[sid].kinds[i] == "n")
        return len(filled), text, numbers

    shapes = {sid: shape(sid) for sid in counts}
    with_numbers = [sid for sid in counts if shapes[sid][2]]
    if not with_numbers:
        return {}
    usual = shapes[max(with_numbers, key=counts.__getitem__)]
    found = {}
    for sid in with_numbers:
        n, text, _ = shapes[sid]
        if n < usual[0] and (text < usual[1] or usual[1] == 0):
            found[sid] = n * 2 <= usual[0]
    return found


def find_total_rows(sheet: Sheet, profile: Profile, segments: list[Segment]) -> None:
    """Relabel as ``total`` the sparse data rows that carry a total word or the sums above."""
    todo: list[tuple[Segment, dict[int, bool]]] = []
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
                how = sums.total_kind(row, cells, rows[r])
                if how:
                    seg.codes[r - seg.r0] = TOTAL
                    seg.totals[r] = how
                    sums.group.clear()
                    sums.group_rows = 0
                    continue
            sums.add(code, row, cells, seg.keys.get(r))


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

    def total_kind(self, row: list[Any], cells: tuple[int, ...], sparse: bool) -> str:
        """``words``, ``sums`` or "" for a candidate row (one matching sum is enough when the
        row is ``sparse``, else two)."""
        if any(is_total_text(row[i]) for i in cells):
            return "words"
        numbers = {i: v for i in cells if (v := _number(row[i])) is not None}
        if not numbers or not any(numbers.values()) or (len(numbers) < 2 and not sparse):
            return ""
        for acc, n in ((self.group, self.group_rows), (self.all, self.all_rows)):
            if n >= 2 and all(
                i in acc and abs(acc[i] - v) < SUM_TOLERANCE + 1e-9 * abs(v)
                for i, v in numbers.items()
            ):
                return "sums"
        return ""
