"""Cell XML for the output sheet: one value's ``<c>`` element (:func:`cell_xml`), a column of a
chunk's (:func:`column_xml`), and a column's piece of the chunk's row template
(:func:`column_cells`, formatted by :mod:`ade_engine.xmlrow`).

Values keep their types: ``int`` -> a number written without a decimal point, ``float`` ->
number (shortest round-trip repr), ``bool`` -> boolean, ``date`` -> date serial with a
``yyyy-mm-dd`` format, ``datetime`` -> ``yyyy-mm-dd hh:mm:ss``, ``time`` -> ``hh:mm:ss``,
``timedelta`` -> ``[h]:mm:ss``, ``str`` -> inline string (leading zeros kept), ``None`` -> no
cell. Integers beyond 2**53, NaN/infinity and dates before 1900-03-01 (which Excel cannot hold
exactly) are written as text. The style numbers are the cell formats' places in the
workbook's ``styles.xml`` (:mod:`ade_engine.write`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import operator
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

_EPOCH = dt.date(1899, 12, 30).toordinal()
_toordinal = dt.date.toordinal
_MIN_DATE = dt.date(1900, 3, 1)
_MAX_EXACT = 2**53
_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SEP = "\ue000"
_NUMBER_TYPES = frozenset({int, float})
_MAX_CELL = 32767

STYLE_DATE, STYLE_DATETIME, STYLE_TIME, STYLE_DURATION, STYLE_HEADER = 1, 2, 3, 4, 5


def escape(text: str) -> str:
    if _ILLEGAL_RE.search(text):
        text = _ILLEGAL_RE.sub("", text)
    if len(text) > _MAX_CELL:
        text = text[:_MAX_CELL]
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_cell(ref: str, text: str) -> str:
    text = escape(text)
    if text[:1].isspace() or text[-1:].isspace():
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _time_fraction(t: dt.time) -> float:
    return (t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6) / 86400


def cell_xml(ref: str, v: Any) -> str:
    """The ``<c>`` element for one value ('' for None)."""
    if v is None:
        return ""
    t = type(v)
    if t is str:
        return _text_cell(ref, v) if v else ""
    if t is bool:
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if t is int or (isinstance(v, int) and not isinstance(v, bool)):
        if -_MAX_EXACT < v < _MAX_EXACT:
            return f'<c r="{ref}"><v>{int(v)}</v></c>'
        return _text_cell(ref, str(v))
    if t is float or isinstance(v, float):
        if math.isfinite(v):
            return f'<c r="{ref}"><v>{float(v)!r}</v></c>'
        return _text_cell(ref, str(v))
    if isinstance(v, dt.datetime):
        if v.date() < _MIN_DATE:
            return _text_cell(ref, v.isoformat(sep=" "))
        serial = v.toordinal() - _EPOCH + _time_fraction(v.time())
        return f'<c r="{ref}" s="{STYLE_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(v, dt.date):
        if v < _MIN_DATE:
            return _text_cell(ref, v.isoformat())
        return f'<c r="{ref}" s="{STYLE_DATE}"><v>{v.toordinal() - _EPOCH}</v></c>'
    if isinstance(v, dt.time):
        return f'<c r="{ref}" s="{STYLE_TIME}"><v>{_time_fraction(v)!r}</v></c>'
    if isinstance(v, dt.timedelta):
        return f'<c r="{ref}" s="{STYLE_DURATION}"><v>{v.total_seconds() / 86400!r}</v></c>'
    if isinstance(v, Decimal):
        return cell_xml(ref, float(v)) if v.is_finite() else _text_cell(ref, str(v))
    return _text_cell(ref, str(v))


def _numbers_fit(present: Sequence[Any], kinds: set[type]) -> bool:
    """Every number (ints and floats, no None) is written as a plain number: ints within
    +-2**53, floats finite. A conservative shortcut first: a finite sum of floats."""
    if kinds == {int}:
        return bool(min(present) > -_MAX_EXACT and max(present) < _MAX_EXACT)
    if kinds == {float} and math.isfinite(sum(present)):
        return True
    return all(
        -_MAX_EXACT < v < _MAX_EXACT if type(v) is int else math.isfinite(v) for v in present
    )


def column_xml(letter: str, values: Sequence[Any], rows: Sequence[str]) -> list[str]:
    """Cell XML for one column of a chunk (``rows``: the row numbers as text): fast paths for
    one-type columns, each cell one f-string; any other column cell by cell (:func:`cell_xml`).
    """
    kinds = set(map(type, values))
    gaps = type(None) in kinds
    kinds.discard(type(None))
    if not kinds:
        return [""] * len(values)
    present = [v for v in values if v is not None] if gaps else values
    at = f'<c r="{letter}'
    if kinds <= _NUMBER_TYPES and _numbers_fit(present, kinds):
        # repr() writes ints without a decimal point and floats in shortest round-trip form.
        if not gaps:
            return [f'{at}{r}"><v>{v!r}</v></c>' for r, v in zip(rows, values, strict=True)]
        return [
            f'{at}{r}"><v>{v!r}</v></c>' if v is not None else ""
            for r, v in zip(rows, values, strict=True)
        ]
    if kinds == {dt.date} and min(present) >= _MIN_DATE:
        if not gaps:
            return [
                f'{at}{r}" s="{STYLE_DATE}"><v>{o - _EPOCH}</v></c>'
                for r, o in zip(rows, map(_toordinal, values), strict=True)
            ]
        return [
            f'{at}{r}" s="{STYLE_DATE}"><v>{v.toordinal() - _EPOCH}</v></c>'
            if v is not None
            else ""
            for r, v in zip(rows, values, strict=True)
        ]
    if kinds == {str}:
        texts = [v if v is not None else "" for v in values] if gaps else values
        escaped = _plain_texts(texts)
        if escaped is not None:
            # xml:space="preserve" on every string keeps edge spaces without a per-cell test.
            return [
                f'{at}{r}" t="inlineStr"><is><t xml:space="preserve">{v}</t></is></c>' if v else ""
                for r, v in zip(rows, escaped, strict=True)
            ]
    return [cell_xml(f"{letter}{r}", v) for r, v in zip(rows, values, strict=True)]


def _plain_texts(texts: Sequence[str]) -> Sequence[str] | None:
    """``texts`` escaped for XML, when none needs more than escaping (no character XML
    forbids, none too long, none holding the separator used to check them in one go)."""
    plain = "".join(texts)
    if (
        _SEP in plain  # (in C, at once for ASCII text)
        # printable text has no character XML forbids; other text is searched for them
        or (not plain.isprintable() and _ILLEGAL_RE.search(plain))
        or max(map(len, texts)) > _MAX_CELL
    ):
        return None
    if "&" in plain or "<" in plain or ">" in plain:
        joined = _SEP.join(texts)
        joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return joined.split(_SEP)
    return texts


def column_cells(
    letter: str, values: Sequence[Any], rows: Sequence[str]
) -> tuple[str, list[Sequence[Any]]]:
    """One column of a chunk as its piece of the chunk's row template and what that piece
    takes from each row: a column of one type without an empty cell has its values formatted
    by the template (numbers ``%r``, date serials ``%d``, texts ``%s``; the bytes of
    :func:`column_xml`'s fast paths), any other column its cells' XML (``%s``)."""
    kinds = set(map(type, values))
    if kinds and kinds <= _NUMBER_TYPES and _numbers_fit(values, kinds):
        return f'<c r="{letter}%s"><v>%r</v></c>', [rows, values]
    if kinds == {dt.date} and min(values) >= _MIN_DATE:
        serials = list(map(operator.sub, map(_toordinal, values), itertools.repeat(_EPOCH)))
        return f'<c r="{letter}%s" s="{STYLE_DATE}"><v>%d</v></c>', [rows, serials]
    if kinds == {str} and "" not in values:
        texts = _plain_texts(values)
        if texts is not None:
            piece = f'<c r="{letter}%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>'
            return piece, [rows, texts]
    return "%s", [column_xml(letter, values, rows)]
