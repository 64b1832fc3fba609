"""Reading a page of an extract (see :mod:`ade_api.previews.extract`): two 8-byte reads of the
sheet's index and one read of the rows' bytes, whatever the page's place in the sheet. The rows
are never parsed: their JSON lines become the page's ``rows`` array as they are."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ade_api.previews.extract import FORMAT, META, OFFSET, ExtractMeta, SheetMeta, reader_version


def load_meta(folder: Path) -> ExtractMeta | None:
    """The extract in ``folder`` if it is complete and current (same format and reader), else
    None. `meta.json` is written last, so a folder without it is not an extract yet."""
    try:
        meta = ExtractMeta.from_json((folder / META).read_bytes())
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if meta.format != FORMAT or meta.reader != reader_version():
        return None
    return meta


@dataclass(frozen=True)
class Page:
    """One page of one sheet: ``rows_json`` holds the rows' JSON arrays, comma-separated."""

    meta: ExtractMeta
    sheet: SheetMeta
    offset: int
    limit: int
    rows_json: bytes

    def render(self) -> bytes:
        """The page as the API sends it (see `ade_api.previews.schemas.RowsPage`)."""
        head = {
            "sheets": [asdict(sheet) for sheet in self.meta.sheets],
            "sheet": self.sheet.name,
            "offset": self.offset,
            "limit": self.limit,
            "total": self.sheet.rows,
            "truncated": self.sheet.truncated,
        }
        opening = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
        return opening.encode("utf-8") + b',"rows":[' + self.rows_json + b"]}"


def find_sheet(meta: ExtractMeta, name: str | None) -> int | None:
    """The position of the sheet called ``name`` (the first sheet when None); None if none."""
    if name is None:
        return 0 if meta.sheets else None
    for position, sheet in enumerate(meta.sheets):
        if sheet.name == name:
            return position
    return None


def _offset_at(index: Path, row: int) -> int:
    with index.open("rb") as fh:
        fh.seek(row * OFFSET.size)
        data = fh.read(OFFSET.size)
    if len(data) != OFFSET.size:
        raise ValueError(f"{index.name} is shorter than its sheet")
    (value,) = OFFSET.unpack(data)
    return int(value)


def read_page(folder: Path, meta: ExtractMeta, position: int, offset: int, limit: int) -> Page:
    """Rows ``offset`` to ``offset + limit - 1`` of sheet ``position`` (fewer at the end of
    the sheet; none past it)."""
    sheet = meta.sheets[position]
    start = min(offset, sheet.rows)
    end = min(offset + limit, sheet.rows)
    rows_json = b""
    if start < end:
        index = folder / f"{position}.idx"
        first, last = _offset_at(index, start), _offset_at(index, end)
        with (folder / f"{position}.jsonl").open("rb") as fh:
            fh.seek(first)
            data = fh.read(last - first)
        if len(data) != last - first:
            raise ValueError(f"{position}.jsonl is shorter than its index")
        rows_json = data.rstrip(b"\n").replace(b"\n", b",")
    return Page(meta=meta, sheet=sheet, offset=offset, limit=limit, rows_json=rows_json)
