"""The output pass: a streaming ``.xlsx`` writer made for this engine.

Measured on the benchmark's 100,000 x 9 output (see ``docs/benchmarks.md``): XlsxWriter in
constant-memory mode 5.3 s, openpyxl write-only 9.9 s, pyexcelerate 4.7 s, rustpy-xlsxwriter
0.9 s (but it writes the int 100000 as ``100000.0`` and dates with a datetime format), this
writer 0.45 s (before its row template). It writes a whole chunk at a time: one template for
every row of the chunk (:mod:`ade_engine.xmlrow`), into which each column of one type without
an empty cell puts its values and any other column its cells' XML, built column by column
(:mod:`ade_engine.xmlcells`, which also says how each type of value is written); the rows are
formatted and joined once, and deflated straight into the zip (from a thread, see
:class:`_Deflater`), so memory stays bounded by one chunk.

The file is written under a temporary name and renamed into place on :meth:`close`, so a failed
run never leaves a partial workbook.
"""

from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from ade_engine.read.cells import col_letter
from ade_engine.xmlcells import STYLE_HEADER, cell_xml, column_cells, escape
from ade_engine.xmlrow import row_formatter

# The cell formats' places here are xmlcells' STYLE_ numbers (1 date, 2 datetime, 3 time,
# 4 duration, 5 the header's bold).
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
