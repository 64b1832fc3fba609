/**
 * Validation issues, read from the output workbook's Issues sheet (`Output row`, `Field`,
 * `Value`, `Message`: one row per message), each placed on its cell of the output sheet.
 */
import { cellText, type Cell, type RowsPage } from '@/lib/cells';
import { columnLetter } from '@/lib/columns';

export interface Issue {
  /** The output sheet's row (1-based, as in the spreadsheet; row 1 is the header). */
  row: number;
  /** The column of the field in the output sheet (0-based), or null if it is not there. */
  column: number | null;
  /** "C5", or "row 5" when the field's column is unknown. */
  address: string;
  field: string;
  value: string;
  message: string;
}

/** One row of the Issues sheet on its cell of the output sheet; null for a row that is not one. */
export function issueCell(row: Cell[], outputColumns: string[]): Issue | null {
  const [rowCell, fieldCell, valueCell, messageCell] = row;
  const outputRow = typeof rowCell === 'number' ? rowCell : Number(cellText(rowCell));
  if (!Number.isInteger(outputRow) || outputRow < 1) return null;
  const field = cellText(fieldCell);
  const index = outputColumns.indexOf(field);
  const column = index === -1 ? null : index;
  return {
    row: outputRow,
    column,
    address: column === null ? `row ${outputRow}` : `${columnLetter(column)}${outputRow}`,
    field,
    value: cellText(valueCell),
    message: cellText(messageCell),
  };
}

/** The issues on a page of the Issues sheet (its first row, at offset 0, is the header). */
export function issuesOf(page: RowsPage, outputColumns: string[]): Issue[] {
  return page.rows
    .filter((_, i) => page.offset + i > 0)
    .map((row) => issueCell(row, outputColumns))
    .filter((issue): issue is Issue => issue !== null);
}
