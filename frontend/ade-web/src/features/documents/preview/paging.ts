/**
 * The source preview's paging: rows are fetched in fixed pages as they scroll into view, never
 * all at once; a page is cached by (document, sheet, page).
 */
import type { components } from '@/api/generated/schema';

export type Cell = components['schemas']['RowsPage']['rows'][number][number];

/** Rows per request (the API allows up to 1,000). */
export const PAGE_ROWS = 200;

/** The page holding 0-based row `row`. */
export function pageOf(row: number, pageRows = PAGE_ROWS): number {
  return Math.floor(Math.max(0, row) / pageRows);
}

/** The `offset`/`limit` of page `page`. */
export function pageRange(page: number, pageRows = PAGE_ROWS): { offset: number; limit: number } {
  return { offset: page * pageRows, limit: pageRows };
}

/** The pages that cover rows `first..last` (inclusive) of a sheet of `total` rows. */
export function pagesFor(first: number, last: number, total: number, pageRows = PAGE_ROWS): number[] {
  if (total <= 0 || last < first) return [];
  const from = pageOf(Math.min(first, total - 1), pageRows);
  const to = pageOf(Math.min(last, total - 1), pageRows);
  const pages: number[] = [];
  for (let page = from; page <= to; page += 1) pages.push(page);
  return pages;
}

export interface CellView {
  text: string;
  align: 'left' | 'right' | 'center';
  kind: 'empty' | 'text' | 'number' | 'boolean' | 'date';
}

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 10 });

/** How a typed cell shows: numbers right-aligned, booleans centred, dates and times as ISO. */
export function cellView(cell: Cell | undefined): CellView {
  if (cell === null || cell === undefined || cell === '') return { text: '', align: 'left', kind: 'empty' };
  if (typeof cell === 'string') return { text: cell, align: 'left', kind: 'text' };
  if (typeof cell === 'number') return { text: numberFormat.format(cell), align: 'right', kind: 'number' };
  if (typeof cell === 'boolean') return { text: cell ? 'TRUE' : 'FALSE', align: 'center', kind: 'boolean' };
  return { text: cell.v, align: 'right', kind: 'date' };
}
