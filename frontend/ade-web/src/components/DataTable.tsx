import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { ArrowDown, ArrowUp, ChevronLeft, ChevronRight, ChevronsUpDown } from 'lucide-react';
import { useState } from 'react';

import { Button } from './Button';
import styles from './DataTable.module.css';

export interface Paging {
  /** From 1. */
  page: number;
  pageSize: number;
  total: number;
  onPageChange: (page: number) => void;
}

export interface DataTableProps<T> {
  /** What the table lists, for screen readers (e.g. "Documents"). */
  label: string;
  // Columns of mixed value types: TanStack's documented way to type them is `any` here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  columns: ColumnDef<T, any>[];
  data: T[];
  getRowId: (row: T) => string;
  /**
   * Server-side sorting: the current order and a setter (the page puts it in the URL and the
   * query). Without it the table sorts the rows it has.
   */
  sorting?: SortingState;
  onSortingChange?: (sorting: SortingState) => void;
  paging?: Paging;
}

/** A sortable, paged table (TanStack Table). Columns with `enableSorting: false` do not sort. */
export function DataTable<T>({ label, columns, data, getRowId, sorting, onSortingChange, paging }: DataTableProps<T>) {
  const [localSorting, setLocalSorting] = useState<SortingState>([]);
  const serverSorted = onSortingChange !== undefined;
  const table = useReactTable({
    data,
    columns,
    getRowId,
    state: { sorting: serverSorted ? (sorting ?? []) : localSorting },
    onSortingChange: (updater) => {
      const current = serverSorted ? (sorting ?? []) : localSorting;
      const next = typeof updater === 'function' ? updater(current) : updater;
      if (serverSorted) onSortingChange(next);
      else setLocalSorting(next);
    },
    manualSorting: serverSorted,
    enableMultiSort: false,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });

  return (
    <div className={styles.wrapper}>
      <div className={styles.scroll}>
        <table className={styles.table} aria-label={label}>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const canSort = header.column.getCanSort();
                  const content = flexRender(header.column.columnDef.header, header.getContext());
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                      style={{ width: header.column.columnDef.size }}
                    >
                      {canSort ? (
                        <button type="button" className={styles.sort} onClick={header.column.getToggleSortingHandler()}>
                          {content}
                          {sorted === 'asc' ? (
                            <ArrowUp size={13} aria-hidden />
                          ) : sorted === 'desc' ? (
                            <ArrowDown size={13} aria-hidden />
                          ) : (
                            <ChevronsUpDown size={13} aria-hidden className={styles.sortIdle} />
                          )}
                        </button>
                      ) : (
                        content
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {paging && <Pager {...paging} />}
    </div>
  );
}

function Pager({ page, pageSize, total, onPageChange }: Paging) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(page * pageSize, total);
  return (
    <nav className={styles.pager} aria-label="Pagination">
      <span className={styles.count}>
        {first}–{last} of {total}
      </span>
      <div className={styles.pagerButtons}>
        <Button size="sm" variant="ghost" disabled={page <= 1} onClick={() => onPageChange(page - 1)}>
          <ChevronLeft size={14} aria-hidden />
          Previous
        </Button>
        <span className={styles.count} aria-current="page">
          Page {page} of {pages}
        </span>
        <Button size="sm" variant="ghost" disabled={page >= pages} onClick={() => onPageChange(page + 1)}>
          Next
          <ChevronRight size={14} aria-hidden />
        </Button>
      </div>
    </nav>
  );
}

/** The API's `sort` parameter for a table's sorting (`"-created_at"` is newest first). */
export function toSortParam(sorting: SortingState): string | undefined {
  const first = sorting[0];
  if (first === undefined) return undefined;
  return `${first.desc ? '-' : ''}${first.id}`;
}

/** The table sorting for a `sort` parameter (e.g. read from the URL). */
export function fromSortParam(sort: string | null | undefined): SortingState {
  if (!sort) return [];
  const desc = sort.startsWith('-');
  return [{ id: desc ? sort.slice(1) : sort, desc }];
}
