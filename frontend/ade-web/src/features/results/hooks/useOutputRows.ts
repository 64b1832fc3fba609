import { useQueries } from '@tanstack/react-query';
import { useCallback, useState } from 'react';

import type { Cell } from '@/lib/cells';

import { OUTPUT_PAGE_ROWS, outputRowsQuery } from '../api/results';

/** The pages (of `size` rows) that hold rows `start`..`end`, and always the first one. */
export function pagesFor(start: number, end: number, size: number): number[] {
  const first = Math.max(0, Math.floor(start / size));
  const last = Math.max(first, Math.floor(end / size));
  const pages = new Set([0]);
  for (let p = first; p <= last; p += 1) pages.add(p);
  return [...pages];
}

/**
 * The output sheet's rows, read a page at a time as the grid shows them: the grid reports its
 * visible rows (`setRange`), and only the pages under them are fetched (each cached by offset).
 */
export function useOutputRows(workspaceId: string, jobId: string) {
  const [range, setRange] = useState({ start: 0, end: 0 });
  const pages = pagesFor(range.start, range.end, OUTPUT_PAGE_ROWS);
  const results = useQueries({
    queries: pages.map((p) => outputRowsQuery(workspaceId, jobId, null, p * OUTPUT_PAGE_ROWS, OUTPUT_PAGE_ROWS)),
  });
  const byPage = new Map(pages.map((p, i) => [p, results[i]?.data]));
  const head = results[0] ?? { data: undefined, error: null, isPending: true, refetch: () => undefined };
  const rowAt = (index: number): Cell[] | undefined => {
    const page = Math.floor(index / OUTPUT_PAGE_ROWS);
    return byPage.get(page)?.rows[index - page * OUTPUT_PAGE_ROWS];
  };
  const onRange = useCallback((start: number, end: number) => {
    setRange((prev) => (prev.start === start && prev.end === end ? prev : { start, end }));
  }, []);
  return { head, rowAt, onRange };
}
