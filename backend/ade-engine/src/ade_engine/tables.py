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
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ade_engine.read import Sheet, a1_range, clean_column, col_letter, raw_cells
from ade_engine.text import SynonymMatcher, normalize

BLANK, DATA, HEADER, NOTE, TOTAL = 0, 1, 2, 3, 4
BUILTIN_NAMES = ("blank", "data", "header", "note", "total")
#: When scores tie, the earlier type here wins.
TIE_ORDER = ("blank", "total", "note", "header", "data")
MAX_DECISIONS = 50
MIN_HEADERLESS_ROWS = 3

_TOTAL_RE = re.compile(
    r"^\s*(grand\s+total|sub\s*-?\s*total|totals?|sum|average|avg|count|mean)\b", re.I
)

_KIND = {
    str: "t",
    int: "n",
    float: "n",
    bool: "b",
    dt.date: "d",
    dt.datetime: "d",
    dt.time: "d",
    dt.timedelta: "d",
}


def _kind_of(t: type) -> str:
    k = _KIND.get(t)
    if k is None:
        return "n" if issubclass(t, int | float) else "t"
    return k


@dataclass
class _Sig:
    kinds: tuple[str, ...]  # per cell: "" empty, t text, n number, b bool, d date/time
    filled: tuple[int, ...]  # positions of non-empty cells


@dataclass
class _SegSig:
    filled: tuple[int, ...]  # absolute-in-row positions inside the segment
    n_text: int
    n_value: int  # numbers, dates, bools
    first_is_text: bool


@dataclass
class ColumnInfo:
    """One source column of a table."""

    index: int  # absolute sheet column, 0-based
    header: str = ""  # bottom header cell text ("" when empty or headerless)
    group: str = ""  # stacked header label above it ("" when none)
    hidden: bool = False
    samples: list[Any] = field(default_factory=list)

    @property
    def letter(self) -> str:
        return col_letter(self.index)

    @property
    def merged_header(self) -> str:
        return f"{self.group} {self.header}".strip() if self.group else self.header


@dataclass
class Table:
    """A table found in a sheet: its header rows, data rows and columns."""

    sheet: str
    sheet_index: int
    number: int  # 1-based within the sheet
    col_start: int
    col_end: int
    header_rows: list[int]  # absolute 0-based rows, top to bottom ([group, header] or [header])
    data_start: int
    data_end: int
    headerless: bool = False
    excluded: dict[int, str] = field(default_factory=dict)  # row -> reason (inside data range)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    columns: list[ColumnInfo] = field(default_factory=list)

    @property
    def top(self) -> int:
        return self.header_rows[0] if self.header_rows else self.data_start

    @property
    def a1(self) -> str:
        return a1_range(self.top, self.col_start, self.data_end, self.col_end)

    @property
    def data_rows(self) -> int:
        return self.data_end - self.data_start + 1 - len(self.excluded)

    @property
    def name(self) -> str:
        return f"{self.sheet}!{self.a1}"


@dataclass
class SheetScan:
    """What was found on one sheet."""

    tables: list[Table]
    decisions: list[dict[str, Any]]
    rows: int
    row_types: dict[str, int]


#: A bound config classifier: (row values, 0-based row index) -> float, dict or None.
RowClassifier = Callable[[list[Any], int], Any]


def _is_value_like(text: str) -> bool:
    """Text that reads like a value rather than a column header."""
    if "@" in text or len(text) > 60:
        return True
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 4 and digits * 2 > len(text)


class SheetScanner:
    """Finds the tables of one sheet (see the module docstring)."""

    def __init__(
        self,
        sheet: Sheet,
        matcher: SynonymMatcher,
        *,
        header_scan_rows: int = 50,
        sample_size: int = 200,
        classifiers: list[tuple[str, RowClassifier]] | None = None,
        custom_types: list[str] | None = None,
    ) -> None:
        self.sheet = sheet
        self.matcher = matcher
        self.header_scan_rows = header_scan_rows
        self.sample_size = sample_size
        self.classifiers = classifiers or []
        self.type_names = list(BUILTIN_NAMES) + [
            t for t in (custom_types or []) if t not in BUILTIN_NAMES
        ]
        self._tie_order = list(TIE_ORDER) + self.type_names[len(BUILTIN_NAMES) :]
        self.decisions: list[dict[str, Any]] = []
        self.row_type_counts: dict[str, int] = {}

    # ------------------------------------------------------------------ pass 1: profile
    def _profile(
        self,
    ) -> tuple[array[int], list[_Sig], bytearray, dict[int, float], dict[int, int]]:
        """Signatures of every row, and each row classified as if the sheet were one block."""
        cache: dict[Any, int] = {}
        sigs: list[_Sig] = []
        whole: list[_SegSig] = []
        ids: array[int] = array("i")
        codes = bytearray()
        hscores: dict[int, float] = {}
        keys: dict[int, int] = {}
        rep = itertools.repeat("")
        eq = operator.eq
        append = ids.append
        classify = self._classify_row
        for r, row in enumerate(self.sheet.iter_rows()):
            # Only rows holding an empty cell need its positions in the key.
            key = (tuple(map(type, row)), tuple(map(eq, row, rep)) if "" in row else None)
            sid = cache.get(key)
            if sid is None:
                types_ = key[0]
                empties = key[1] or (False,) * len(types_)
                kinds = tuple(
                    "" if e else _kind_of(t) for t, e in zip(types_, empties, strict=True)
                )
                filled = tuple(i for i, k in enumerate(kinds) if k)
                sid = cache[key] = len(sigs)
                sigs.append(_Sig(kinds, filled))
                whole.append(self._seg_sig(sigs[sid], 0, len(kinds)))
            append(sid)
            ss = whole[sid]
            if not ss.filled:
                codes.append(BLANK)
                continue
            code, hscore = classify(ss, row, r, 0, len(row))
            codes.append(code)
            # Only header rows need their score and key (table finding reads them for rows
            # labelled header); keeping them for every all-text data row cost hundreds of
            # bytes a row.
            if code == HEADER:
                hscores[r] = hscore
                keys[r] = _row_key(row, ss.filled)
        return ids, sigs, codes, hscores, keys

    # ------------------------------------------------------------------ bands and segments
    @staticmethod
    def _bands(ids: array[int], sigs: list[_Sig]) -> list[tuple[int, int]]:
        bands: list[tuple[int, int]] = []
        start = None
        blank_run = 0
        last_filled = -1
        for i, sid in enumerate(ids):
            if sigs[sid].filled:
                if start is None:
                    start = i
                elif blank_run >= 2:
                    bands.append((start, last_filled))
                    start = i
                blank_run = 0
                last_filled = i
            else:
                blank_run += 1
        if start is not None:
            bands.append((start, last_filled))
        return bands

    @staticmethod
    def _segments(ids: array[int], sigs: list[_Sig], lo: int, hi: int) -> list[tuple[int, int]]:
        used: set[int] = set()
        for sid in set(ids[lo : hi + 1]):
            used.update(sigs[sid].filled)
        cols = sorted(used)
        segs: list[tuple[int, int]] = []
        for c in cols:
            if segs and c == segs[-1][1] + 1:
                segs[-1] = (segs[-1][0], c)
            else:
                segs.append((c, c))
        return segs

    # ------------------------------------------------------------------ pass 2: classify
    def _seg_sig(self, sig: _Sig, c0: int, c1: int) -> _SegSig:
        filled = tuple(i for i in sig.filled if c0 <= i <= c1)
        n_text = sum(1 for i in filled if sig.kinds[i] == "t")
        return _SegSig(
            filled, n_text, len(filled) - n_text, bool(filled) and sig.kinds[filled[0]] == "t"
        )

    def _builtin_scores(self, ss: _SegSig, row: list[Any]) -> tuple[int, float]:
        """(best built-in type, header score) for a segment of a row."""
        n = len(ss.filled)
        if n == 0:
            return BLANK, 0.0
        if ss.n_value and ss.first_is_text:
            first = row[ss.filled[0]]
            if isinstance(first, str) and _TOTAL_RE.match(first):
                return TOTAL, 0.0
        if ss.n_value:
            return DATA, 0.0
        if n == 1:
            return NOTE, 0.0
        texts = [str(row[i]).strip() for i in ss.filled]
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
        scores = dict.fromkeys(self.type_names, 0.0)
        scores[BUILTIN_NAMES[code]] = 1.0 if code != HEADER else hscore
        if code == DATA and hscore:
            scores["header"] = hscore
        values = raw_cells(row[c0:c_end] if c0 or c_end < len(row) else row.copy())
        changed = False
        for name, classify in self.classifiers:
            result = classify(values, r)
            if result is None:
                continue
            changed = True
            if isinstance(result, dict):
                for key, val in result.items():
                    if key in scores:
                        scores[key] += float(val)
            else:
                scores[name] = scores.get(name, 0.0) + float(result)
        if not changed:
            return code, hscore
        best = max(self._tie_order, key=lambda t: scores.get(t, 0.0))
        return self.type_names.index(best), scores.get("header", 0.0)

    # ------------------------------------------------------------------ scan
    def scan(self) -> SheetScan:
        sheet = self.sheet
        ids, sigs, whole_codes, whole_h, whole_keys = self._profile()
        n_rows = len(ids)
        segments: list[tuple[int, int, int, int]] = []  # r0, r1, c0, c1 (row-relative cols)
        codes: list[bytearray] = []
        hscores: list[dict[int, float]] = []
        row_keys: list[dict[int, int]] = []
        redo: list[int] = []
        for r0, r1 in self._bands(ids, sigs):
            segs = self._segments(ids, sigs, r0, r1)
            for c0, c1 in segs:
                segments.append((r0, r1, c0, c1))
                if len(segs) == 1:
                    # One block of columns: the whole-row classification holds.
                    codes.append(whole_codes[r0 : r1 + 1])
                    hscores.append({r: h for r, h in whole_h.items() if r0 <= r <= r1})
                    row_keys.append({r: h for r, h in whole_keys.items() if r0 <= r <= r1})
                else:
                    redo.append(len(segments) - 1)
                    codes.append(bytearray(r1 - r0 + 1))
                    hscores.append({})
                    row_keys.append({})
        if not segments:
            return SheetScan([], self.decisions, n_rows, {"blank": n_rows} if n_rows else {})
        if redo:
            self._classify_segments(ids, sigs, segments, redo, codes, hscores, row_keys)
        for code, name in enumerate(self.type_names):
            count = sum(arr.count(code) for arr in codes)
            if code == BLANK:
                count = n_rows - sum(len(arr) for arr in codes) + count
            if count:
                self.row_type_counts[name] = count
        tables: list[Table] = []
        for k, (r0, r1, c0, c1) in enumerate(segments):
            tables.extend(self._find(r0, r1, c0, c1, codes[k], hscores[k], row_keys[k], ids, sigs))
        tables.sort(key=lambda t: (t.top, t.col_start))
        for i, t in enumerate(tables, 1):
            t.number = i
        if tables:
            self._fill_columns(tables)
        del sheet
        return SheetScan(tables, self.decisions, n_rows, self.row_type_counts)

    def _classify_segments(
        self,
        ids: array[int],
        sigs: list[_Sig],
        segments: list[tuple[int, int, int, int]],
        redo: list[int],
        codes: list[bytearray],
        hscores: list[dict[int, float]],
        row_keys: list[dict[int, int]],
    ) -> None:
        """Pass 2, only for bands cut into several blocks: classify each block's cells."""
        seg_cache: dict[tuple[int, int], _SegSig] = {}
        starts = sorted(redo, key=lambda k: segments[k][0])
        active: list[int] = []
        pending = iter(starts)
        nxt = next(pending, None)
        last = max(segments[k][1] for k in redo)
        for r, row in enumerate(self.sheet.iter_rows()):
            if r > last:
                break
            while nxt is not None and segments[nxt][0] <= r:
                active.append(nxt)
                nxt = next(pending, None)
            if not active:
                continue
            sid = ids[r]
            for k in list(active):
                r0, r1, c0, c1 = segments[k]
                if r > r1:
                    active.remove(k)
                    continue
                ss = seg_cache.get((sid, k))
                if ss is None:
                    ss = seg_cache[(sid, k)] = self._seg_sig(sigs[sid], c0, c1)
                code, hscore = self._classify_row(ss, row, r, c0, c1 + 1)
                codes[k][r - r0] = code
                if code == HEADER:
                    hscores[k][r] = hscore
                    row_keys[k][r] = _row_key(row, ss.filled)

    # ------------------------------------------------------------------ pass 3: find
    def _note(self, r: int, kind: str, reason: str, seg: str) -> None:
        if len(self.decisions) < MAX_DECISIONS:
            self.decisions.append({"row": r + 1, "kind": kind, "columns": seg, "reason": reason})

    def _find(
        self,
        r0: int,
        r1: int,
        c0: int,
        c1: int,
        codes: bytearray,
        hscores: dict[int, float],
        keys: dict[int, int],
        ids: array[int],
        sigs: list[_Sig],
    ) -> list[Table]:
        off = self.sheet.col_offset
        seg = f"{col_letter(c0 + off)}:{col_letter(c1 + off)}"

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
            return tuple(i for i in sigs[ids[r]].filled if c0 <= i <= c1)

        tables: list[Table] = []
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
                    r = self._open(tables, r0, r1, c0, c1, [r], nf, codes, keys, hscores, ids, sigs)
                    candidate = None
                    continue
                if nf == r + 1 and code(nf) == HEADER:
                    after = next_filled(nf)
                    if (
                        after is not None
                        and code(after) == DATA
                        and self._is_group_row(r, nf, filled_cols)
                    ):
                        r = self._open(
                            tables, r0, r1, c0, c1, [r, nf], after, codes, keys, hscores, ids, sigs
                        )
                        candidate = None
                        continue
                    if after is not None and code(after) in (HEADER, DATA):
                        # An all-text table: its first row is the header.
                        r = self._open(
                            tables, r0, r1, c0, c1, [r], nf, codes, keys, hscores, ids, sigs
                        )
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
                        r = self._open(
                            tables, r0, r1, c0, c1, [r, nf], after, codes, keys, hscores, ids, sigs
                        )
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
                    r = self._open(
                        tables, r0, r1, c0, c1, [candidate], r, codes, keys, hscores, ids, sigs
                    )
                    candidate = None
                    continue
                run_end, count = self._data_run(r, r1, code)
                if count >= MIN_HEADERLESS_ROWS:
                    r = self._open(tables, r0, r1, c0, c1, [], r, codes, keys, hscores, ids, sigs)
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

    def _data_run(self, r: int, r1: int, code: Callable[[int], int]) -> tuple[int, int]:
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

    def _open(
        self,
        tables: list[Table],
        r0: int,
        r1: int,
        c0: int,
        c1: int,
        header_rows: list[int],
        first_data: int,
        codes: bytearray,
        keys: dict[int, int],
        hscores: dict[int, float],
        ids: array[int],
        sigs: list[_Sig],
    ) -> int:
        """Open a table at ``first_data``, walk its rows; return the row after it."""

        def code(r: int) -> int:
            return codes[r - r0] if r0 <= r <= r1 else BLANK

        header_key = keys.get(header_rows[-1]) if header_rows else None
        excluded: dict[int, str] = {}
        decisions: list[dict[str, Any]] = []

        def decide(r: int, kind: str, reason: str) -> None:
            if len(decisions) < MAX_DECISIONS:
                decisions.append({"row": r + 1, "kind": kind, "reason": reason})

        last_data = first_data
        r = first_data
        while r <= r1:
            c = code(r)
            if c == DATA:
                last_data = r
                r += 1
                continue
            if c == BLANK:
                if r + 1 <= r1 and code(r + 1) == DATA and code(r - 1) == DATA:
                    excluded[r] = "blank row inside the table"
                    decide(r, "blank", "single blank row inside the table, table continues")
                    r += 1
                    continue
                break
            if c == HEADER:
                if header_key is not None and keys.get(r) == header_key:
                    excluded[r] = "repeated header row"
                    decide(r, "repeated_header", "row repeats the header; dropped")
                    r += 1
                    continue
                if not header_rows or hscores.get(r, 0.0) >= 0.8:
                    break  # a new header: the next table starts here
                last_data = r  # an all-text row inside a table is data
                r += 1
                continue
            if c in (TOTAL, NOTE) or c >= len(BUILTIN_NAMES):
                name = self.type_names[c]
                reason = {
                    TOTAL: "total row under the table (not data)",
                    NOTE: "note row (not data)",
                }.get(c, f"{name} row (config row type)")
                if c == NOTE:
                    decide(r, "note", "note line ends the table")
                    break
                if r + 1 <= r1 and code(r + 1) == DATA:
                    excluded[r] = reason
                    decide(r, name, reason + "; table continues")
                    r += 1
                    continue
                decide(r, name, reason + "; table ends")
                r += 1
                # absorb the footer rows right under the table
                break
            break
        # Excluded rows past the last data row are outside the table.
        excluded = {row: why for row, why in excluded.items() if row < last_data}
        # Column range: every column filled in the header or data rows, inside the segment.
        counts = Counter(ids[first_data : last_data + 1])
        counts.subtract(ids[row_i] for row_i in excluded)
        counts.update(ids[row_i] for row_i in header_rows)
        used: set[int] = set()
        for sid, count in counts.items():
            if count > 0:
                used.update(i for i in sigs[sid].filled if c0 <= i <= c1)
        off = self.sheet.col_offset
        lo, hi = (min(used), max(used)) if used else (c0, c1)
        table = Table(
            sheet=self.sheet.name,
            sheet_index=self.sheet.index,
            number=0,
            col_start=lo + off,
            col_end=hi + off,
            header_rows=list(header_rows),
            data_start=first_data,
            data_end=last_data,
            headerless=not header_rows,
            excluded=excluded,
            decisions=decisions,
        )
        if not header_rows:
            decisions.insert(
                0,
                {
                    "row": first_data + 1,
                    "kind": "headerless",
                    "reason": "data rows with no header row above; columns are "
                    "mapped by value-based detectors",
                },
            )
        elif len(header_rows) == 2:
            decisions.insert(
                0,
                {
                    "row": header_rows[0] + 1,
                    "kind": "stacked_header",
                    "reason": "row above the header groups its columns; its labels "
                    "apply to every column they span",
                },
            )
        tables.append(table)
        return max(r, last_data + 1)

    # ------------------------------------------------------------------ headers and samples
    def _fill_columns(self, tables: list[Table]) -> None:
        """One more pass: header texts, group labels (merged ranges spread) and samples."""
        sheet = self.sheet
        off = sheet.col_offset
        spreadsheet = not sheet.typed_text
        sample_size = self.sample_size
        for t in tables:
            t.columns = [
                ColumnInfo(index=c, hidden=c in sheet.hidden_columns)
                for c in range(t.col_start, t.col_end + 1)
            ]
        want_header: dict[int, list[tuple[Table, int]]] = {}
        for t in tables:
            for pos, r in enumerate(t.header_rows):
                want_header.setdefault(r, []).append((t, pos))
        open_tables = sorted(tables, key=lambda t: t.data_start)
        last_row = max(t.data_end for t in tables)
        last_header = max(want_header, default=-1)
        for r, row in enumerate(sheet.iter_rows()):
            if r > last_row or (
                r > last_header
                and all(getattr(t, "_full", False) or t.data_end < r for t in open_tables)
            ):
                break
            for t, pos in want_header.get(r, ()):
                cells = row[t.col_start - off : t.col_end - off + 1]
                texts = [_header_text(v) for v in cells]
                texts += [""] * (len(t.columns) - len(texts))
                if pos == len(t.header_rows) - 1:
                    for col, text in zip(t.columns, texts, strict=True):
                        col.header = text
                else:
                    self._spread_group(t, r, texts)
            for t in open_tables:
                if t.data_start <= r <= t.data_end and r not in t.excluded:
                    if getattr(t, "_full", False):
                        continue
                    cells = clean_column(
                        row[t.col_start - off : t.col_end - off + 1], spreadsheet=spreadsheet
                    )
                    full = True
                    for col, v in zip(t.columns, cells, strict=False):
                        if v is not None and len(col.samples) < sample_size:
                            col.samples.append(v)
                        if len(col.samples) < sample_size:
                            full = False
                    if full:
                        t._full = True  # type: ignore[attr-defined]

    def _spread_group(self, t: Table, r: int, texts: list[str]) -> None:
        """Group labels: a merged range spans its columns; else a label runs to the next one."""
        off = self.sheet.col_offset
        labels = [""] * len(t.columns)
        covered = [False] * len(t.columns)
        for mr0, mc0, mr1, mc1 in self.sheet.merged:
            if mr0 <= r <= mr1:
                lo, hi = max(mc0, t.col_start), min(mc1, t.col_end)
                text = texts[mc0 - t.col_start] if t.col_start <= mc0 <= t.col_end else ""
                for c in range(lo, hi + 1):
                    labels[c - t.col_start] = text
                    covered[c - t.col_start] = True
        del off
        current = ""
        for i, text in enumerate(texts):
            if covered[i]:
                current = ""
                continue
            if text:
                current = text
            labels[i] = text or current
        for col, label in zip(t.columns, labels, strict=True):
            col.group = label


def _row_key(row: list[Any], filled: tuple[int, ...]) -> int:
    """A hash of a row's normalized texts (to spot repeated header rows)."""
    return hash(tuple(normalize(str(row[i])) for i in filled))


def _header_text(v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.date):
        return v.isoformat()
    return " ".join(str(v).split())


def iter_table_chunks(
    sheet: Sheet, table: Table, size: int
) -> Iterator[tuple[list[int], list[list[Any]]]]:
    """(1-based source row numbers, raw cells of the table's columns) per chunk of data rows."""
    off = sheet.col_offset
    lo, hi = table.col_start - off, table.col_end - off + 1
    width = hi - lo
    excluded = table.excluded
    it = itertools.islice(sheet.iter_rows(), table.data_start, table.data_end + 1)
    r = table.data_start
    while rows := list(itertools.islice(it, size)):
        numbers = list(range(r + 1, r + 1 + len(rows)))
        r += len(rows)
        if excluded:
            keep = [i for i, n in enumerate(numbers) if n - 1 not in excluded]
            if len(keep) != len(rows):
                rows = [rows[i] for i in keep]
                numbers = [numbers[i] for i in keep]
                if not rows:
                    continue
        if lo != 0 or set(map(len, rows)) != {width}:
            pad = [""] * width
            rows = [(row[lo:hi] + pad)[:width] for row in rows]
        yield numbers, rows
