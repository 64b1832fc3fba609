"""CSV reading: encoding, delimiter and value typing, streamed.

Decoding, in order: a byte-order mark decides (UTF-8, UTF-16 LE/BE); otherwise UTF-16 without a
BOM is recognised by NUL bytes in every other position of the first 4 KiB; otherwise the whole
file is checked as strict UTF-8 (streamed, 1 MiB at a time); failing that it is read as cp1252
(undefined bytes replaced).

The delimiter is sniffed among ``,`` ``;`` tab and ``|`` on the first 64 KiB: the candidate that
splits the most sample rows into the same number (>1) of fields wins; ties go in that order.
Quoting follows the csv module's Excel dialect (``"`` quotes, doubled to escape), so quoted
newlines stay inside their value.

Values are typed as a person reads them (see :func:`type_text`). A ``;``-delimited file is
taken to come from a locale whose decimal separator is the comma (that is why its list
separator is ``;``), so its numbers are typed by :func:`type_text_decimal_comma`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ade_engine.read.sheet import Sheet, Workbook

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024
csv.field_size_limit(16 * 1024 * 1024)

_INT_RE = re.compile(r"-?(?:0|[1-9]\d{0,14})")
_GROUPED_INT_RE = re.compile(r"-?[1-9]\d{0,2}(?:,\d{3})+")
_DEC_RE = re.compile(r"-?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+")
_GROUPED_DEC_RE = re.compile(r"-?[1-9]\d{0,2}(?:,\d{3})+\.\d+")
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ISO_DT_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?")
_SLASH_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DOT_RE = re.compile(r"(\d{1,2})[.-](\d{1,2})[.-](\d{4})")
_YMD_SLASH_RE = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_FIRST = frozenset("0123456789-.")
_COMMA_DEC_RE = re.compile(r"-?(?:0|[1-9]\d*),\d+")
_DOT_GROUPED_INT_RE = re.compile(r"-?[1-9]\d{0,2}(?:\.\d{3})+")
_DOT_GROUPED_COMMA_DEC_RE = re.compile(r"-?[1-9]\d{0,2}(?:\.\d{3})+,\d+")


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def type_text(text: str) -> Any:
    """Type one CSV value as a person would read it.

    - surrounding spaces are trimmed; ``""`` stays ``""`` (empty)
    - integers: ``-?digits`` without leading zeros (``"0"`` is fine), at most 15 digits, and
      ``1,234,567`` grouping -> ``int``; ``"00123"`` and 16+ digit ids stay text
    - decimals: ``12.5``, ``.5``, ``-3.``, ``1e6``, ``1,234.50`` -> ``float``
    - ISO dates ``2024-03-15`` (and ``2024/03/15``) -> ``date``; ISO datetimes
      ``2024-03-15T10:30[:00[.123]]`` (``T`` or space; no time zone) -> ``datetime``
    - ``03/15/2024`` -> month first (US) unless the first number is over 12
      (``15/03/2024`` -> day first); ``15.03.2024`` and ``15-03-2024`` -> day first
    - ``true``/``false`` in any case -> ``bool``
    - everything else stays text
    """
    s = text.strip()
    if not s:
        return ""
    c = s[0]
    if c not in _FIRST:
        low = s.lower()
        if low == "true":
            return True
        if low == "false":
            return False
        return s
    if _INT_RE.fullmatch(s):
        return int(s)
    if _DEC_RE.fullmatch(s):
        return float(s)
    if "," in s:
        if _GROUPED_INT_RE.fullmatch(s):
            return int(s.replace(",", ""))
        if _GROUPED_DEC_RE.fullmatch(s):
            return float(s.replace(",", ""))
        return s
    n = len(s)
    if n == 10:
        m = _ISO_DATE_RE.fullmatch(s) or _YMD_SLASH_RE.fullmatch(s)
        if m:
            d = _date(int(m[1]), int(m[2]), int(m[3]))
            return d if d is not None else s
    if n >= 16:
        m = _ISO_DT_RE.fullmatch(s)
        if m:
            try:
                frac = (m[7] or "").ljust(6, "0")
                return dt.datetime(
                    int(m[1]),
                    int(m[2]),
                    int(m[3]),
                    int(m[4]),
                    int(m[5]),
                    int(m[6] or 0),
                    int(frac or 0),
                )
            except ValueError:
                return s
    if 8 <= n <= 10:
        m = _SLASH_RE.fullmatch(s)
        if m:
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            d = _date(y, b, a) if a > 12 else _date(y, a, b)
            return d if d is not None else s
        m = _DOT_RE.fullmatch(s) or _YMD_SLASH_RE.fullmatch(s)
        if m:
            if len(m[1]) == 4:
                d = _date(int(m[1]), int(m[2]), int(m[3]))
            else:
                d = _date(int(m[3]), int(m[2]), int(m[1]))
            return d if d is not None else s
    return s


def type_text_decimal_comma(text: str) -> Any:
    """Like :func:`type_text`, for files whose decimal separator is the comma (``;``-delimited).

    - ``1,5`` -> ``1.5``; ``-0,25`` -> ``-0.25``; ``1234,56`` -> ``1234.56``
    - ``1.234,56`` -> ``1234.56`` and ``1.234.567`` -> ``1234567``: the dot groups thousands,
      so ``1.234`` (a dot followed by exactly three digits) is ``1234``
    - a dot anywhere else is still a decimal point (``12.5`` -> ``12.5``)
    - ``1,234,567`` and other commas that are not one decimal comma stay text
    - everything else (dates, ids with leading zeros, booleans) as in :func:`type_text`
    """
    s = text.strip()
    if s and s[0] in _FIRST:
        if "," in s:
            if _COMMA_DEC_RE.fullmatch(s):
                return float(s.replace(",", "."))
            if _DOT_GROUPED_COMMA_DEC_RE.fullmatch(s):
                return float(s.replace(".", "").replace(",", "."))
            return s
        if "." in s and _DOT_GROUPED_INT_RE.fullmatch(s):
            return int(s.replace(".", ""))
    return type_text(text)


def detect_encoding(path: Path) -> str:
    """The codec to read ``path`` with (see the module docstring for the rules)."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if len(head) >= 4:
        odd_nuls = head[1::2].count(0)
        even_nuls = head[0::2].count(0)
        half = len(head) // 2
        if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
            return "utf-16-le"
        if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
            return "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; tab | that splits the sample most consistently."""
    lines = sample.splitlines()
    if len(lines) > 1:
        sample = "\n".join(lines[:-1])  # the last line may be cut in half
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if any(r)]
        except csv.Error:
            continue
        if not rows:
            continue
        counts = Counter(len(r) for r in rows)
        width, freq = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if width < 2:
            continue
        score = freq / len(rows) + min(width, 50) / 1000
        if score > best_score:
            best, best_score = delim, score
    return best


def open_csv(path: Path) -> Workbook:
    encoding = detect_encoding(path)
    errors = "replace" if encoding == "cp1252" else "strict"
    with path.open("r", encoding=encoding, errors=errors, newline="") as fh:
        sample = fh.read(SAMPLE_BYTES)
    delimiter = sniff_delimiter(sample)
    decimal = "," if delimiter == ";" else "."
    typer = type_text_decimal_comma if decimal == "," else type_text

    def rows() -> Iterator[list[Any]]:
        with path.open("r", encoding=encoding, errors=errors, newline="") as fh:
            for record in csv.reader(fh, delimiter=delimiter):
                yield [typer(v) for v in record]

    sheet = Sheet(name=path.stem[:31] or "Sheet1", index=0, typed_text=True)
    sheet._rows = rows
    return Workbook(
        path=path,
        format="csv",
        sheets=[sheet],
        details={"encoding": encoding, "delimiter": delimiter, "decimal_separator": decimal},
    )
