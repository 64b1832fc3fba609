/** The cells of a page of rows (a document's preview, a job's or a dry run's output rows). */
import type { components } from '@/api/generated/schema';

export type RowsPage = components['schemas']['RowsPage'];
export type Cell = RowsPage['rows'][number][number];

/** A cell's text: typed cells (dates, times) as their ISO value, empty cells as ''. */
export function cellText(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'object') return cell.v;
  return String(cell);
}
