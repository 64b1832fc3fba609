"""Typing CSV values as a person reads them: one value (:func:`type_text`) or a whole block
of a column at once (:class:`ColumnTyper`), with the same results.

:class:`ColumnTyper` types a column of a block of rows in one go: it checks the whole column
against one kind at a time, with C-level string operations on the column's values joined by
newlines (one regular-expression match, or for dates and plain decimals a few string methods),
so the check does not run once per cell in Python, and converts it with one call (``int``,
``float``, ``date.fromisoformat``) when every value is of the kind; the kind that fitted the
column's previous block is tried first. Each check accepts only values that :func:`type_text`
types the same way (ASCII digits, no surrounding spaces), so a column that no kind fits is
typed value by value, with a bounded cache of the column's recent values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any, NamedTuple

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


# Whole-column patterns: each fits only values that type_text types with the converter beside
# it (ASCII digits where type_text's patterns allow any digit; no surrounding spaces), or "".
_CELL_INT = r"-?(?:0|[1-9][0-9]{0,14})"
_CELL_DEC = r"-?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|-?[0-9]+[eE][-+]?[0-9]+"
_CELL_COMMA_DEC = r"-?(?:0|[1-9][0-9]*),[0-9]+"
_CELL_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# Text that type_text returns unchanged: not starting like a number or date, not true/false,
# no surrounding whitespace (so stripping it is a no-op).
_CELL_WORDS = r"(?!(?i:true|false)(?:\n|\Z))[^\s0-9.\-][^\n]*(?<=\S)"
# ... and digits and dashes that are no integer and no date shape (``00123``, ``555-0101``,
# ids of 16+ digits): type_text leaves them as they are too.
_END = r"(?:\n|\Z)"
_CELL_DIGITS = (
    rf"(?!-?(?:0|[1-9][0-9]{{0,14}}){_END})(?![0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}{_END})"
    rf"(?![0-9]{{1,2}}-[0-9]{{1,2}}-[0-9]{{4}}{_END})[0-9\-]+"
)
_CELL_TEXT = f"{_CELL_WORDS}|{_CELL_DIGITS}"


def _column_re(cell: str) -> re.Pattern[str]:
    return re.compile(f"(?:{cell})?(?:\n(?:{cell})?)*")


#: Whether every value of a column (given as a list and joined by newlines; no value holds a
#: newline) is of a kind.
Fits = Callable[[list[str], str], bool]


def _pattern(cell: str) -> Fits:
    column = _column_re(cell)
    return lambda values, joined: column.fullmatch(joined) is not None


_TEXT_COLUMN_RE = _column_re(_CELL_TEXT)
# _CELL_WORDS without the true/false look-ahead, which is checked on the lowered column at
# once (as type_text checks it: ``value.lower()``); a third faster on a column of names
_WORDS_RE = _column_re(r"[^\s0-9.\-][^\n]*(?<=\S)")
_TRUE_FALSE_RE = re.compile(r"(?:^|\n)(?:true|false)(?:\n|$)")


def _fixed_width(values: list[str], joined: str) -> int:
    """The length every value has (read from where the line breaks are), or 0."""
    n, width = len(values), len(values[0])
    if (
        width
        and len(joined) == n * (width + 1) - 1
        and joined[width :: width + 1] == "\n" * (n - 1)
    ):
        return width
    return 0


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


# Digits and dashes that type_text reads as dates (when the date exists)
_DATE_SHAPE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}")


def _fits_text(values: list[str], joined: str) -> bool:
    if _WORDS_RE.fullmatch(joined):
        low = joined.lower()
        return ("true" not in low and "false" not in low) or not _TRUE_FALSE_RE.search(low)
    # Codes of one shape (``555-0101``): every value as long as the first, digits, and dashes
    # where the first has them, one of them past its start (so no value is an integer) and
    # the shape no date's: type_text leaves them all as they are.
    n, width = len(values), _fixed_width(values, joined)
    first = values[0]
    dashes = [i for i, c in enumerate(first) if c == "-"] if width else []
    if (
        dashes
        and dashes[-1] > 0
        and joined.count("-") == len(dashes) * n
        and all(joined[i :: width + 1] == "-" * n for i in dashes)
        and not _DATE_SHAPE_RE.fullmatch(first)
        and _ascii_digits(joined.replace("-", "").replace("\n", ""))
    ):
        return True
    return _TEXT_COLUMN_RE.fullmatch(joined) is not None


_INT_COLUMN_RE = _column_re(_CELL_INT)


def _fits_int(values: list[str], joined: str) -> bool:
    """Integers: when all as long (ids), ASCII digits with no leading zero, else the pattern."""
    width = _fixed_width(values, joined)
    if width and width <= 15 and _ascii_digits(joined.replace("\n", "")):
        return width == 1 or "0" not in joined[:: width + 1]
    return _INT_COLUMN_RE.fullmatch(joined) is not None


_DATE_COLUMN_RE = _column_re(_CELL_ISO_DATE)


def _fits_date(values: list[str], joined: str) -> bool:
    """A column of ISO dates: without a blank, checked by position (every value ten long,
    dashes at 4 and 7, digits elsewhere: all C-level string operations), else by pattern."""
    n = len(values)
    if (
        _fixed_width(values, joined) == 10
        and joined.count("-") == 2 * n
        and joined[4::11] == joined[7::11] == "-" * n
    ):
        return _ascii_digits(joined.replace("-", "").replace("\n", ""))
    return _DATE_COLUMN_RE.fullmatch(joined) is not None


_DEC_COLUMN_RE = _column_re(_CELL_DEC)
_DEC_CHARS_RE = re.compile(r"[0-9.\n\-]*")


def _fits_dec(values: list[str], joined: str) -> bool:
    """Decimals without an exponent: ASCII digits, dots and minus signs, a dot in every value
    (so none is an integer); :func:`_floats` then refuses any other shape (``1.2.3``, ``-.``,
    ``1-2.5``), as the pattern would. With an exponent, the pattern."""
    if "e" in joined or "E" in joined:
        return _DEC_COLUMN_RE.fullmatch(joined) is not None
    filled = len(values) - values.count("")
    return joined.count(".") == filled and _DEC_CHARS_RE.fullmatch(joined) is not None


def _ints(values: list[str]) -> list[Any]:
    return [int(v) if v else "" for v in values] if "" in values else list(map(int, values))


def _floats(values: list[str]) -> list[Any]:
    if "" in values:
        return [float(v) if v else "" for v in values]
    return list(map(float, values))


def _comma_floats(values: list[str]) -> list[Any]:
    return [float(v.replace(",", ".")) if v else "" for v in values]


def _dates(values: list[str]) -> list[Any]:
    iso = dt.date.fromisoformat
    return [iso(v) if v else "" for v in values] if "" in values else list(map(iso, values))


def _texts(values: list[str]) -> list[Any]:
    return values


#: What a typed column holds, for storing it (:mod:`.spill`): ints, floats, text and "" only
#: (PLAIN), dates and "" only (DATES), or anything type_text returns (MIXED).
PLAIN, DATES, MIXED = 0, 1, 2
#: A column kind: whether a column is of it, its converter (which may refuse a column the
#: check let through, with ValueError), what the converted column holds and the type of every
#: converted value when no value is empty.
Kind = tuple[Fits, Callable[[list[str]], list[Any]], int, type]
_TEXT: Kind = (_fits_text, _texts, PLAIN, str)
_INT: Kind = (_fits_int, _ints, PLAIN, int)
_DATE: Kind = (_fits_date, _dates, DATES, dt.date)
_DEC: Kind = (_fits_dec, _floats, PLAIN, float)
_COMMA_DEC: Kind = (_pattern(_CELL_COMMA_DEC), _comma_floats, PLAIN, float)
#: The kinds tried, for files whose decimal separator is the dot and for the comma ones (where
#: ``1.234`` is an integer, so no dot-decimal kind).
DOT_KINDS: tuple[Kind, ...] = (_TEXT, _INT, _DEC, _DATE)
COMMA_KINDS: tuple[Kind, ...] = (_TEXT, _INT, _COMMA_DEC, _DATE)
_CACHE_SIZE = 4096


class ColumnTyper:
    """Types one column, block after block, exactly as ``typer`` types each value."""

    def __init__(self, typer: Callable[[str], Any], kinds: tuple[Kind, ...]) -> None:
        self.typer = typer
        self.kinds = kinds
        self.last: Kind | None = None
        self.cache: dict[str, Any] = {}

    def type(self, values: list[str]) -> tuple[list[Any], int, type | None]:
        """The values typed, what they hold (PLAIN, DATES or MIXED), and the type of every
        typed value when the column has one (None when it is not known to)."""
        joined = "\n".join(values)
        if joined.count("\n") == len(values) - 1:  # no value holds a newline of its own
            for kind in (self.last, *self.kinds) if self.last else self.kinds:
                fits, convert, holds, single = kind
                if fits(values, joined):
                    try:
                        out = convert(values)
                    except ValueError:  # e.g. 2024-02-30: left to type_text
                        break
                    self.last = kind
                    return out, holds, (None if "" in values else single)
        return self._each(values), MIXED, None

    def _each(self, values: list[str]) -> list[Any]:
        cache, typer = self.cache, self.typer
        if len(cache) > _CACHE_SIZE:
            cache.clear()
        out = []
        for v in values:
            t = cache.get(v, cache)
            if t is cache:
                t = cache[v] = typer(v)
            out.append(t)
        return out


class TypedBlock(NamedTuple):
    """A block of typed rows: those of the block's most common width as columns (``width``
    wide, ``height`` rows), any other row (a title line, a ragged line) by its index."""

    height: int
    columns: list[list[Any]]
    others: dict[int, list[Any]]
    holds: list[int]  # per column: PLAIN, DATES or MIXED
    #: per column, the type of its every value when known (no empty cell), else None; None
    #: for the whole block when not known at all (a block read back from the copy)
    types: list[type | None] | None = None
    #: the block as :func:`.spill.encode` stores it, when it came so (from a reader child)
    encoded: bytes | None = None

    def row_types(self) -> tuple[type, ...] | None:
        """The type of each cell of every row, when the block's rows all have the same: no
        ragged row, every column of one known type (so no empty cell)."""
        types = self.types
        if types is None or self.others or len(types) != len(self.columns) or None in types:
            return None
        return tuple(t for t in types if t is not None)

    def rows(self) -> list[list[Any]]:
        if self.columns:
            main = list(map(list, zip(*self.columns, strict=True)))
        else:
            main = [[] for _ in range(self.height)]
        if not self.others:
            return main
        it, others = iter(main), self.others
        return [others[i] if i in others else next(it) for i in range(len(main) + len(others))]


class BlockTyper:
    """Types blocks of rows of one file, column by column, as ``typer`` types each value."""

    def __init__(self, typer: Callable[[str], Any], kinds: tuple[Kind, ...]) -> None:
        self.typer = typer
        self.kinds = kinds
        self.columns: list[ColumnTyper] = []

    def type(self, rows: list[list[str]]) -> TypedBlock:
        """The block typed: the rows of its most common width by column, any other row value
        by value."""
        lengths = list(map(len, rows))
        width = lengths[0] if lengths else 0
        ragged = lengths.count(width) != len(lengths)  # counted in C: the common case
        if ragged:
            widths = Counter(lengths)
            width = max(widths, key=widths.__getitem__)
            ragged = widths[width] != len(rows)
        others: dict[int, list[Any]] = {}
        if ragged:
            typer = self.typer
            others = {i: [typer(v) for v in r] for i, r in enumerate(rows) if len(r) != width}
            rows = [r for r in rows if len(r) == width]
        # (a list per column: twice as fast as zip(*rows) over thousands of rows)
        block = self.type_columns(len(rows), [[r[i] for r in rows] for i in range(width)])
        return block._replace(others=others) if others else block

    def type_columns(self, height: int, values: list[list[str]]) -> TypedBlock:
        """A block of ``height`` rows, all as wide as ``values`` has columns, typed."""
        columns = self.columns
        while len(columns) < len(values):
            columns.append(ColumnTyper(self.typer, self.kinds))
        typed = [c.type(v) for c, v in zip(columns, values, strict=False)]
        return TypedBlock(
            height, [t[0] for t in typed], {}, [t[1] for t in typed], [t[2] for t in typed]
        )
