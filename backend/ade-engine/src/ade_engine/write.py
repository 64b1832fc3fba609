"""The output pass: a streaming ``.xlsx`` writer made for this engine.

Measured on the benchmark's 100,000 x 9 output (see ``docs/benchmarks.md``): XlsxWriter in
constant-memory mode 5.3 s, openpyxl write-only 9.9 s, pyexcelerate 4.7 s, rustpy-xlsxwriter
0.9 s (but it writes the int 100000 as ``100000.0`` and dates with a datetime format), this
writer 0.45 s (before its row template). It writes a whole chunk at a time: one ``%`` template
for every row of the chunk, into which each column of one type without an empty cell puts its
values (:func:`column_cells`) and any other column its cells' XML, built column by column
(:func:`column_xml`: one comprehension per column, with a fast path per value type); the rows
are formatted (one ``%`` per row, in C) and joined once, and deflated straight into the zip,
so memory stays bounded by one chunk.

Values keep their types: ``int`` -> a number written without a decimal point, ``float`` ->
number (shortest round-trip repr), ``bool`` -> boolean, ``date`` -> date serial with a
``yyyy-mm-dd`` format, ``datetime`` -> ``yyyy-mm-dd hh:mm:ss``, ``time`` -> ``hh:mm:ss``,
``timedelta`` -> ``[h]:mm:ss``, ``str`` -> inline string (leading zeros kept), ``None`` -> no
cell. Integers beyond 2**53, NaN/infinity and dates before 1900-03-01 (which Excel cannot hold
exactly) are written as text.

The file is written under a temporary name and renamed into place on :meth:`close`, so a failed
run never leaves a partial workbook.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import operator
import os
import queue
import re
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from ade_engine.read.cells import col_letter
from ade_engine.xmlrow import row_formatter

_EPOCH = dt.date(1899, 12, 30).toordinal()
_toordinal = dt.date.toordinal
_MIN_DATE = dt.date(1900, 3, 1)
_MAX_EXACT = 2**53
_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SEP = "\ue000"
_NUMBER_TYPES = frozenset({int, float})
_MAX_CELL = 32767

STYLE_DATE, STYLE_DATETIME, STYLE_TIME, STYLE_DURATION, STYLE_HEADER = 1, 2, 3, 4, 5

_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>\
<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/>\
<numFmt numFmtId="166" formatCode="hh:mm:ss"/><numFmt numFmtId="167" formatCode="[h]:mm:ss"/>\
</numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
{sheets}</Types>"""

_SHEET_CT = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)

_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""


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


class _Sink(Protocol):
    def write(self, data: bytes, /) -> Any: ...


#: A sheet's output goes through a thread once one chunk's XML reaches this size.
OFFLOAD_BYTES = 1 << 20


class _Deflater:
    """Writes to a zip member (whose ``write`` computes the CRC and deflates, both releasing
    the GIL) from a thread, in order, so that the next chunk's XML is built while this one is
    compressed. The thread starts on the first write of :data:`OFFLOAD_BYTES` or more (smaller
    output is written inline, as is everything when no thread can be started); the bytes
    written are the same either way."""

    def __init__(self, fh: _Sink) -> None:
        self.fh = fh
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        if self._queue is None and (len(data) < OFFLOAD_BYTES or not self._start()):
            self.fh.write(data)
            return
        assert self._queue is not None
        self._queue.put(data)

    def _start(self) -> bool:
        self._queue = queue.Queue(maxsize=1)
        thread = threading.Thread(target=self._run, name="ade-xlsx-deflate", daemon=True)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had (e.g. the sandbox's process limit)
            self._queue = None
            return False
        self._thread = thread
        return True

    def _run(self) -> None:
        assert self._queue is not None
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.fh.write(data)
                except BaseException as exc:  # raised to the caller at its next write or flush
                    self._error = exc

    def flush(self) -> None:
        """Wait until everything is written (re-raising what the thread hit); the thread
        ends."""
        if self._thread is not None and self._queue is not None:
            self._queue.put(None)
            self._thread.join()
        self._thread = self._queue = None
        if self._error is not None:
            raise self._error


class _SheetStream:
    def __init__(
        self, fh: _Sink, headers: list[str], widths: list[float], *, head: bool = True
    ) -> None:
        self.write = fh.write
        self.letters = [col_letter(i) for i in range(max(len(headers), len(widths), 4))]
        self.next_row = 2
        if not head:
            return
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{w:.1f}" customWidth="1"/>'
            for i, w in enumerate(widths)
        )
        prologue = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        )
        self.write(prologue.encode())
        if headers:
            cells = "".join(
                f'<c r="{letter}1" s="{STYLE_HEADER}" t="inlineStr"><is><t>{escape(h)}</t></is></c>'
                for letter, h in zip(self.letters, headers, strict=False)
                if h
            )
            self.write(f'<row r="1">{cells}</row>'.encode())

    def write_columns(self, columns: Sequence[Sequence[Any]]) -> None:
        if not columns:
            return
        n = len(columns[0])
        if n == 0:
            return
        r0 = self.next_row
        rows = list(map(str, range(r0, r0 + n)))
        # One template for every row of the chunk (compiled to one f-string function, see
        # ade_engine.xmlrow) and one join: each column puts in its piece and what the piece
        # takes from each row.
        pieces = ['<row r="%s">']
        args: list[Sequence[Any]] = [rows]
        for i, col in enumerate(columns):
            piece, more = column_cells(self.letters[i], col, rows)
            pieces.append(piece)
            args += more
        pieces.append("</row>")
        format_row, distinct = row_formatter("".join(pieces), args)
        if any(len(column) != n for column in distinct):  # (map would stop at the shortest)
            raise ValueError("the columns of a chunk differ in length")
        text = "".join(map(format_row, *distinct))
        self.write(text.encode("utf-8", "surrogatepass"))
        self.next_row += n

    def write_row(self, values: Sequence[Any]) -> None:
        r = self.next_row
        cells = "".join(cell_xml(f"{self.letters[i]}{r}", v) for i, v in enumerate(values))
        self.write(f'<row r="{r}">{cells}</row>'.encode("utf-8", "surrogatepass"))
        self.next_row += 1

    def finish(self) -> None:
        self.write(b"</sheetData></worksheet>")


ISSUE_HEADERS = ["Output row", "Field", "Value", "Message"]


class XlsxWriter:
    """Writes ``normalized.xlsx``: the output sheet streamed in chunks, then ``Issues``."""

    def __init__(self, path: Path, sheet_name: str, headers: list[str]) -> None:
        self.path = Path(path)
        self.sheet_name = sheet_name
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".normalized-", suffix=".xlsx.part", dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        self._zip = zipfile.ZipFile(
            self._tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
        )
        self._sheet_fh = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        widths = [min(60.0, max(10.0, len(h) * 1.2 + 2)) for h in headers]
        self._deflater = _Deflater(self._sheet_fh)
        self._sheet = _SheetStream(self._deflater, headers, widths)
        self._issues_tmp = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()/abort()
        self._issues = _SheetStream(self._issues_tmp, ISSUE_HEADERS, [], head=False)
        self.rows_written = 0
        self.issues_written = 0
        self._closed = False

    def write_columns(self, columns: Sequence[Sequence[Any]]) -> int:
        """Append a chunk given column by column; return the first output row number used."""
        first = self._sheet.next_row
        self._sheet.write_columns(columns)
        self.rows_written = self._sheet.next_row - 2
        return first

    def add_issue(self, output_row: int, field_label: str, value: Any, message: str) -> None:
        self._issues.write_row([output_row, field_label, value, message])
        self.issues_written += 1

    @property
    def next_row(self) -> int:
        return self._sheet.next_row

    def close(self) -> Path:
        """Finish both sheets and move the workbook into place."""
        self._sheet.finish()
        self._deflater.flush()
        self._sheet_fh.close()
        with self._zip.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as fh:
            issues = _SheetStream(fh, ISSUE_HEADERS, [12, 24, 24, 60])
            self._issues_tmp.seek(0)
            while chunk := self._issues_tmp.read(1 << 20):
                fh.write(chunk)
            issues.finish()
        self._issues_tmp.close()
        names = [self.sheet_name, "Issues"]
        zf = self._zip
        zf.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(
                sheets="".join(_SHEET_CT.format(n=i + 1) for i in range(len(names)))
            ),
        )
        zf.writestr("_rels/.rels", _ROOT_RELS)
        sheets = "".join(
            f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, n in enumerate(names)
        )
        zf.writestr(
            "xl/workbook.xml",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>"
            ),
        )
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(names))
        )
        rels += (
            f'<Relationship Id="rId{len(names) + 1}" Type="http://schemas.openxmlformats.'
            'org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
                "</Relationships>"
            ),
        )
        zf.writestr("xl/styles.xml", _STYLES)
        zf.close()
        os.replace(self._tmp, self.path)
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Drop everything written so far (no partial output is left)."""
        if self._closed:
            return
        closers = (
            self._deflater.flush,
            self._sheet_fh.close,
            self._zip.close,
            self._issues_tmp.close,
        )
        for closer in closers:
            with contextlib.suppress(Exception):
                closer()
        self._tmp.unlink(missing_ok=True)
        self._closed = True
