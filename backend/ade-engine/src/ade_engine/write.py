"""The output pass: a streaming ``.xlsx`` writer made for this engine.

Measured on the benchmark's 100,000 x 9 output (see ``docs/benchmarks.md``): XlsxWriter in
constant-memory mode 5.3 s, openpyxl write-only 9.9 s, pyexcelerate 4.7 s, rustpy-xlsxwriter
0.9 s (but it writes the int 100000 as ``100000.0`` and dates with a datetime format), this
writer 0.45 s. It builds cell XML column by column for a whole chunk (one comprehension per
column, with a fast path per value type), joins rows, and deflates straight into the zip, so
memory stays bounded by one chunk.

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
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ade_engine.read.cells import col_letter

_EPOCH = dt.date(1899, 12, 30).toordinal()
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


def column_xml(letter: str, values: Sequence[Any], first_row: int) -> list[str]:
    """Cell XML for one column of a chunk: fast paths for one-type columns."""
    rows = range(first_row, first_row + len(values))
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if not kinds:
        return [""] * len(values)
    if kinds == {int} and all(-_MAX_EXACT < v < _MAX_EXACT for v in values if v is not None):
        return [
            f'<c r="{letter}{r}"><v>{v}</v></c>' if v is not None else ""
            for r, v in zip(rows, values, strict=True)
        ]
    if kinds <= _NUMBER_TYPES and all(
        -_MAX_EXACT < v < _MAX_EXACT if type(v) is int else math.isfinite(v)
        for v in values
        if v is not None
    ):
        # repr() writes ints without a decimal point and floats in shortest round-trip form.
        return [
            f'<c r="{letter}{r}"><v>{v!r}</v></c>' if v is not None else ""
            for r, v in zip(rows, values, strict=True)
        ]
    if kinds == {dt.date} and all(v >= _MIN_DATE for v in values if v is not None):
        return [
            f'<c r="{letter}{r}" s="{STYLE_DATE}"><v>{v.toordinal() - _EPOCH}</v></c>'
            if v is not None
            else ""
            for r, v in zip(rows, values, strict=True)
        ]
    if kinds == {str}:
        texts = [v if v is not None else "" for v in values]
        joined = _SEP.join(texts)
        if (
            joined.count(_SEP) == len(texts) - 1
            and not _ILLEGAL_RE.search(joined)
            and max(map(len, texts)) <= _MAX_CELL
        ):
            if "&" in joined or "<" in joined or ">" in joined:
                joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                texts = joined.split(_SEP)
            # xml:space="preserve" on every string keeps edge spaces without a per-cell test.
            return [
                f'<c r="{letter}{r}" t="inlineStr"><is><t xml:space="preserve">{v}</t></is></c>'
                if v
                else ""
                for r, v in zip(rows, texts, strict=True)
            ]
    return [cell_xml(f"{letter}{r}", v) for r, v in zip(rows, values, strict=True)]


class _SheetStream:
    def __init__(
        self, fh: IO[bytes], headers: list[str], widths: list[float], *, head: bool = True
    ) -> None:
        self.fh = fh
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
        self.fh.write(prologue.encode())
        if headers:
            cells = "".join(
                f'<c r="{letter}1" s="{STYLE_HEADER}" t="inlineStr"><is><t>{escape(h)}</t></is></c>'
                for letter, h in zip(self.letters, headers, strict=False)
                if h
            )
            self.fh.write(f'<row r="1">{cells}</row>'.encode())

    def write_columns(self, columns: Sequence[Sequence[Any]]) -> None:
        if not columns:
            return
        n = len(columns[0])
        if n == 0:
            return
        r0 = self.next_row
        frags = [column_xml(self.letters[i], col, r0) for i, col in enumerate(columns)]
        body = "".join(
            [
                f'<row r="{r}">{"".join(cells)}</row>'
                for r, cells in zip(range(r0, r0 + n), zip(*frags, strict=True), strict=True)
            ]
        )
        self.fh.write(body.encode("utf-8", "surrogatepass"))
        self.next_row += n

    def write_row(self, values: Sequence[Any]) -> None:
        r = self.next_row
        cells = "".join(cell_xml(f"{self.letters[i]}{r}", v) for i, v in enumerate(values))
        self.fh.write(f'<row r="{r}">{cells}</row>'.encode("utf-8", "surrogatepass"))
        self.next_row += 1

    def finish(self) -> None:
        self.fh.write(b"</sheetData></worksheet>")


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
        self._sheet = _SheetStream(self._sheet_fh, headers, widths)
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
        for closer in (self._sheet_fh.close, self._zip.close, self._issues_tmp.close):
            with contextlib.suppress(Exception):
                closer()
        self._tmp.unlink(missing_ok=True)
        self._closed = True
