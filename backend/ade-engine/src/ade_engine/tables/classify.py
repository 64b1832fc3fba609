"""Step 2, classify: bands, segments, and a label for each row of each segment.

The sheet is cut into *bands* (runs of rows separated by two or more blank rows) and each band
into *segments* (runs of columns separated by a column that is empty in the whole band), so
tables side by side are found on their own. Each row of each segment is labelled ``blank``,
``header``, ``data``, ``note`` or ``total`` by the built-in scores plus the config's
``row_types`` classifiers; the best score wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ade_engine.read.cells import raw_cells
from ade_engine.read.sheet import Sheet
from ade_engine.tables.model import (
    BLANK,
    BUILTIN_NAMES,
    DATA,
    HEADER,
    NOTE,
    TIE_ORDER,
    TOTAL,
    RowClassifier,
)
from ade_engine.tables.profile import Profile, Sig
from ade_engine.tables.totals import (
    PAGE_WORD_RE,
    find_total_rows,
    is_page_cells,
    is_page_footer,
    is_total_text,
)
from ade_engine.text import SynonymMatcher, normalize


@dataclass
class _SegSig:
    filled: tuple[int, ...]  # absolute-in-row positions inside the segment
    n_text: int
    n_value: int  # numbers, dates, bools
    first_is_text: bool


def _seg_sig(sig: Sig, c0: int, c1: int) -> _SegSig:
    filled = tuple(i for i in sig.filled if c0 <= i <= c1)
    n_text = sum(1 for i in filled if sig.kinds[i] == "t")
    return _SegSig(
        filled, n_text, len(filled) - n_text, bool(filled) and sig.kinds[filled[0]] == "t"
    )


@dataclass
class Segment:
    """A block of rows ``r0..r1`` and columns ``c0..c1`` (row-relative), with its labels."""

    r0: int
    r1: int
    c0: int
    c1: int
    codes: bytearray  # one label code per row r0..r1
    hscores: dict[int, float]  # header score of the rows labelled header
    keys: dict[int, int]  # normalized-text key of the rows labelled header
    footers: set[int] = field(default_factory=set)  # rows labelled note that hold a page number
    totals: dict[int, str] = field(default_factory=dict)  # data rows found to be totals: how


@dataclass
class Classified:
    """What classification found: the profile, the labelled segments, the label counts."""

    profile: Profile
    segments: list[Segment]
    row_types: dict[str, int]


def _is_value_like(text: str) -> bool:
    """Text that reads like a value rather than a column header."""
    if "@" in text or len(text) > 60:
        return True
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 4 and digits * 2 > len(text)


def _fixed_code(ss: _SegSig) -> int | None:
    """The built-in label of every row with this segment signature, when the row's texts
    cannot change it (see :meth:`Classifier._builtin_scores`): blank, or data for a row with a
    value whose first cell is not text; else None."""
    if not ss.filled:
        return BLANK
    if ss.n_value and not ss.first_is_text:
        return DATA
    return None


def _is_footer(ss: _SegSig, row: list[Any]) -> bool:
    if ss.n_value:
        return is_page_cells([row[i] for i in ss.filled])
    return is_page_footer(str(row[i]).strip() for i in ss.filled)


def row_key(row: list[Any], filled: tuple[int, ...]) -> int:
    """A hash of a row's normalized texts (to spot repeated header rows)."""
    return hash(tuple(normalize(str(row[i])) for i in filled))


def bands(profile: Profile) -> list[tuple[int, int]]:
    """Runs of rows separated by two or more blank rows: (first, last filled row)."""
    sigs = profile.sigs
    found: list[tuple[int, int]] = []
    start = None
    blank_run = 0
    last_filled = -1
    for i, sid in enumerate(profile.ids):
        if sigs[sid].filled:
            if start is None:
                start = i
            elif blank_run >= 2:
                found.append((start, last_filled))
                start = i
            blank_run = 0
            last_filled = i
        else:
            blank_run += 1
    if start is not None:
        found.append((start, last_filled))
    return found


def segments(profile: Profile, lo: int, hi: int) -> list[tuple[int, int]]:
    """Runs of columns filled somewhere in rows ``lo..hi``: (first, last column)."""
    used: set[int] = set()
    for sid in set(profile.ids[lo : hi + 1]):
        used.update(profile.sigs[sid].filled)
    segs: list[tuple[int, int]] = []
    for c in sorted(used):
        if segs and c == segs[-1][1] + 1:
            segs[-1] = (segs[-1][0], c)
        else:
            segs.append((c, c))
    return segs


class Classifier:
    """Labels rows by the built-in scores and the config's row-type classifiers."""

    def __init__(
        self,
        matcher: SynonymMatcher,
        classifiers: list[tuple[str, RowClassifier]] | None = None,
        custom_types: list[str] | None = None,
    ) -> None:
        self.matcher = matcher
        self.classifiers = classifiers or []
        self.type_names = list(BUILTIN_NAMES) + [
            t for t in (custom_types or []) if t not in BUILTIN_NAMES
        ]
        self._tie_order = list(TIE_ORDER) + self.type_names[len(BUILTIN_NAMES) :]

    def classify(self, sheet: Sheet) -> Classified:
        """Profile the sheet, cut it into segments and label every segment's rows."""
        profile, codes, hscores, keys, footers = self._label_whole(sheet)
        found: list[Segment] = []
        redo: list[Segment] = []
        for r0, r1 in bands(profile):
            segs = segments(profile, r0, r1)
            for c0, c1 in segs:
                if len(segs) == 1:
                    # One block of columns: the whole-row classification holds.
                    seg = Segment(
                        r0,
                        r1,
                        c0,
                        c1,
                        codes[r0 : r1 + 1],
                        {r: h for r, h in hscores.items() if r0 <= r <= r1},
                        {r: h for r, h in keys.items() if r0 <= r <= r1},
                        {r for r in footers if r0 <= r <= r1},
                    )
                else:
                    seg = Segment(r0, r1, c0, c1, bytearray(r1 - r0 + 1), {}, {})
                    redo.append(seg)
                found.append(seg)
        if redo:
            self._label_segments(sheet, profile, redo)
        find_total_rows(sheet, profile, found)
        return Classified(profile, found, self._row_types(len(profile.ids), found))

    def _row_types(self, n_rows: int, found: list[Segment]) -> dict[str, int]:
        """How many rows of the sheet got each label, each row counted once: a row that side
        by side segments share counts with its left-most segment's label unless that one is
        blank. Rows in no segment are blank."""
        counts = [0] * len(self.type_names)
        by_band: dict[tuple[int, int], list[Segment]] = {}
        for seg in found:
            by_band.setdefault((seg.r0, seg.r1), []).append(seg)
        covered = 0
        for (r0, r1), segs in by_band.items():
            covered += r1 - r0 + 1
            if len(segs) == 1:  # the common case, counted in C
                for code in range(len(counts)):
                    counts[code] += segs[0].codes.count(code)
                continue
            segs.sort(key=lambda seg: seg.c0)
            for i in range(r1 - r0 + 1):
                labels = [seg.codes[i] for seg in segs]
                counts[next((c for c in labels if c != BLANK), BLANK)] += 1
        counts[BLANK] += n_rows - covered
        return {name: counts[code] for code, name in enumerate(self.type_names) if counts[code]}

    def _label_whole(
        self, sheet: Sheet
    ) -> tuple[Profile, bytearray, dict[int, float], dict[int, int], set[int]]:
        """Pass 1: signatures of every row, each row labelled as if the sheet were one block
        (the profile, and the codes, header scores, header keys and page footers of
        :class:`Segment`).

        A signature whose built-in label needs no cell text (blank, or a value in a row that
        does not start with text: data) is labelled once; its rows then cost a look-up, plus
        the config's classifiers when there are any (they see every row, as before).
        """
        profile = Profile()
        # per signature: its segment signature, its built-in label when the row's texts cannot
        # change it, and whether its rows have an empty cell
        whole: list[tuple[_SegSig, int | None, bool]] = []
        codes = bytearray()
        hscores: dict[int, float] = {}
        keys: dict[int, int] = {}
        footers: set[int] = set()
        sigs = profile.sigs
        classify, with_config = self._classify_row, self._with_classifiers
        has_config = bool(self.classifiers)
        add = codes.append
        blocks = sheet.iter_blocks()
        read = profile.read(sheet.iter_rows()) if blocks is None else profile.read_blocks(blocks)
        for r, (sid, row) in enumerate(read):
            if sid == len(whole):
                ss = _seg_sig(sigs[sid], 0, len(sigs[sid].kinds))
                whole.append((ss, _fixed_code(ss), len(ss.filled) < len(row)))
            ss, fixed, gaps = whole[sid]
            if fixed is None:
                code, hscore = classify(ss, row, r, 0, len(row))
            elif fixed == BLANK or not has_config:
                add(fixed)
                continue
            else:  # the signature says whether the row has empty cells: no need to look
                values = [None if v == "" else v for v in row] if gaps else row.copy()
                code, hscore = with_config(fixed, 0.0, values, r)
            add(code)
            # Only header rows need their score and key (table finding reads them for rows
            # labelled header); keeping them for every all-text data row cost hundreds of
            # bytes a row.
            if code == HEADER:
                hscores[r] = hscore
                keys[r] = row_key(row, ss.filled)
            elif code == NOTE and _is_footer(ss, row):
                footers.add(r)
        return profile, codes, hscores, keys, footers

    def _label_segments(self, sheet: Sheet, profile: Profile, redo: list[Segment]) -> None:
        """Pass 2, only for bands cut into several blocks: classify each block's cells."""
        seg_cache: dict[tuple[int, int], _SegSig] = {}
        starts = sorted(range(len(redo)), key=lambda k: redo[k].r0)
        active: list[int] = []
        pending = iter(starts)
        nxt = next(pending, None)
        last = max(seg.r1 for seg in redo)
        ids, sigs = profile.ids, profile.sigs
        for r, row in enumerate(sheet.iter_rows()):
            if r > last:
                break
            while nxt is not None and redo[nxt].r0 <= r:
                active.append(nxt)
                nxt = next(pending, None)
            if not active:
                continue
            sid = ids[r]
            for k in list(active):
                seg = redo[k]
                if r > seg.r1:
                    active.remove(k)
                    continue
                ss = seg_cache.get((sid, k))
                if ss is None:
                    ss = seg_cache[(sid, k)] = _seg_sig(sigs[sid], seg.c0, seg.c1)
                code, hscore = self._classify_row(ss, row, r, seg.c0, seg.c1 + 1)
                seg.codes[r - seg.r0] = code
                if code == HEADER:
                    seg.hscores[r] = hscore
                    seg.keys[r] = row_key(row, ss.filled)
                elif code == NOTE and _is_footer(ss, row):
                    seg.footers.add(r)

    def _builtin_scores(self, ss: _SegSig, row: list[Any]) -> tuple[int, float]:
        """(best built-in type, header score) for a segment of a row."""
        n = len(ss.filled)
        if n == 0:
            return BLANK, 0.0
        if ss.n_value and ss.first_is_text:
            first = row[ss.filled[0]]
            if is_total_text(first):
                return TOTAL, 0.0
            if PAGE_WORD_RE.match(first) and is_page_cells([row[i] for i in ss.filled]):
                return NOTE, 0.0
        if ss.n_value:
            return DATA, 0.0
        if n == 1:
            return NOTE, 0.0
        texts = [str(row[i]).strip() for i in ss.filled]
        if is_page_footer(texts):
            return NOTE, 0.0
        value_like = sum(1 for t in texts if _is_value_like(t))
        known = sum(1 for t in texts if normalize(t) in self.matcher.exact)
        distinct = len(set(texts)) == n
        score = 0.55 + 0.45 * known / n - 0.5 * value_like / n - (0 if distinct else 0.1)
        return (HEADER if score > 0.5 else DATA), score

    def _classify_row(
        self, ss: _SegSig, row: list[Any], r: int, c0: int, c_end: int
    ) -> tuple[int, float]:
        code, hscore = self._builtin_scores(ss, row)
        if not self.classifiers or code == BLANK:
            return code, hscore
        values = raw_cells(row[c0:c_end] if c0 or c_end < len(row) else row.copy())
        return self._with_classifiers(code, hscore, values, r)

    def _with_classifiers(
        self, code: int, hscore: float, values: list[Any], r: int
    ) -> tuple[int, float]:
        """The built-in ``(code, header score)`` of a non-blank row (``values``: its cells as
        classifiers see them), with the config's classifiers' scores added; unchanged when
        every classifier returns None."""
        scores: dict[str, float] | None = None  # built when a classifier first has a say
        for name, classify in self.classifiers:
            result = classify(values, r)
            if result is None:
                continue
            if scores is None:
                scores = dict.fromkeys(self.type_names, 0.0)
                scores[BUILTIN_NAMES[code]] = 1.0 if code != HEADER else hscore
                if code == DATA and hscore:
                    scores["header"] = hscore
            if isinstance(result, dict):
                for key, val in result.items():
                    if key in scores:
                        scores[key] += float(val)
            else:
                scores[name] = scores.get(name, 0.0) + float(result)
        if scores is None:
            return code, hscore
        best = max(self._tie_order, key=lambda t: scores.get(t, 0.0))
        return self.type_names.index(best), scores.get("header", 0.0)
