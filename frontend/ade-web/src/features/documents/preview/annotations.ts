/**
 * What the engine decided about a source sheet, shaped for the preview grid: from a job's
 * artifact.json (schema `ade.artifact/v1`, see ade_engine/artifact.py and
 * docs/reference/config-packages.md) the tables it found (outlined), their header rows (marked)
 * and the rows it skipped — titles, notes, totals, repeated headers — with the reason. The
 * artifact's rows are 1-based; the preview's are 0-based.
 */
import { columnIndex } from '@/lib/columns';

export interface TableOutline {
  id: string;
  /** 0-based, inclusive. */
  firstRow: number;
  lastRow: number;
  firstCol: number;
  lastCol: number;
  headerRows: number[];
  status: string | null;
}

export interface RowNote {
  kind: 'header' | 'skipped';
  /** The engine's word for the row: `header`, `total`, `note`, `skipped`... */
  label: string;
  reason: string;
}

export interface SheetAnnotations {
  name: string;
  index: number;
  /** `scanned` or `skipped` (with `reason`: "hidden sheet", "empty sheet"...). */
  status: string;
  reason: string | null;
  tables: TableOutline[];
  /** By 0-based row. */
  rows: Map<number, RowNote>;
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const records = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isRecord) : []);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const int = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) ? value : null);

/** `"A3:T100003"` as 0-based bounds, or null when it is not a range. */
export function parseRange(range: string): Omit<TableOutline, 'id' | 'headerRows' | 'status'> | null {
  const match = /^([A-Za-z]+)(\d+)(?::([A-Za-z]+)(\d+))?$/.exec(range.trim());
  if (match === null) return null;
  const [, c1 = 'A', r1 = '1', c2 = c1, r2 = r1] = match;
  return {
    firstRow: Number(r1) - 1,
    lastRow: Number(r2) - 1,
    firstCol: columnIndex(c1),
    lastCol: columnIndex(c2),
  };
}

// Informational decisions: the row is still used (a stacked header's top row is a header row).
const NOT_SKIPPED = new Set(['headerless', 'stacked_header']);

function tableOf(table: Json): { outline: TableOutline; notes: [number, RowNote][] } | null {
  const bounds = parseRange(text(table.range) ?? '');
  if (bounds === null) return null;
  const id = text(table.id) ?? 'table';
  const headerRows = (Array.isArray(table.header_rows) ? table.header_rows : [])
    .map(int)
    .filter((r): r is number => r !== null && r >= 1)
    .map((r) => r - 1);
  const notes: [number, RowNote][] = headerRows.map((row) => [
    row,
    { kind: 'header', label: 'header', reason: `Header row of ${id}` },
  ]);
  for (const decision of records(table.row_decisions)) {
    const row = int(decision.row);
    const kind = text(decision.kind) ?? 'skipped';
    if (row === null || row < 1 || NOT_SKIPPED.has(kind)) continue;
    notes.push([row - 1, { kind: 'skipped', label: kind.replace(/_/g, ' '), reason: text(decision.reason) ?? kind }]);
  }
  return { outline: { id, ...bounds, headerRows, status: text(table.status) }, notes };
}

function sheetOf(sheet: Json, position: number): SheetAnnotations {
  const rows = new Map<number, RowNote>();
  for (const decision of records(sheet.decisions)) {
    const row = int(decision.row);
    if (row === null || row < 1 || NOT_SKIPPED.has(text(decision.kind) ?? '')) continue;
    const columns = text(decision.columns);
    const reason = text(decision.reason) ?? 'skipped';
    rows.set(row - 1, { kind: 'skipped', label: 'skipped', reason: columns ? `${reason} (${columns})` : reason });
  }
  const tables: TableOutline[] = [];
  for (const raw of records(sheet.tables)) {
    const table = tableOf(raw);
    if (table === null) continue;
    tables.push(table.outline);
    // A table's own decisions say more than the sheet's about its rows.
    for (const [row, note] of table.notes) rows.set(row, note);
  }
  return {
    name: text(sheet.name) ?? '',
    index: int(sheet.index) ?? position,
    status: text(sheet.status) ?? 'scanned',
    reason: text(sheet.reason),
    tables,
    rows,
  };
}

/** Every sheet's annotations from an artifact (anything else gives none). */
export function annotationsFromArtifact(artifact: unknown): SheetAnnotations[] {
  if (!isRecord(artifact)) return [];
  return records(artifact.sheets).map(sheetOf);
}

/** The annotations of the preview's sheet: by name, else by position. */
export function annotationsFor(
  sheets: SheetAnnotations[],
  sheet: { name: string; index: number },
): SheetAnnotations | undefined {
  return sheets.find((s) => s.name === sheet.name) ?? sheets.find((s) => s.index === sheet.index);
}

export interface CellEdges {
  tableId: string | null;
  top: boolean;
  bottom: boolean;
  left: boolean;
  right: boolean;
}

const NO_EDGES: CellEdges = { tableId: null, top: false, bottom: false, left: false, right: false };

/** Where a cell sits on a table's outline (which of its sides are the table's border). */
export function cellEdges(tables: TableOutline[], row: number, col: number): CellEdges {
  for (const t of tables) {
    if (row < t.firstRow || row > t.lastRow || col < t.firstCol || col > t.lastCol) continue;
    return {
      tableId: t.id,
      top: row === t.firstRow,
      bottom: row === t.lastRow,
      left: col === t.firstCol,
      right: col === t.lastCol,
    };
  }
  return NO_EDGES;
}
