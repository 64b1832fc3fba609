import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

/**
 * A list page's paging, sorting and search, kept in the URL (`?page=2&sort=-created_at&q=…`)
 * so reload, back and shared links show the same list.
 */
export function useListParams(defaults: { sort?: string; pageSize?: number } = {}) {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const sort = params.get('sort') ?? defaults.sort;
  const q = params.get('q') ?? '';
  const update = useCallback(
    (changes: Record<string, string | number | undefined>) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [key, value] of Object.entries(changes)) {
            if (value === undefined || value === '') next.delete(key);
            else next.set(key, String(value));
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  const setters = useMemo(
    () => ({
      setPage: (value: number) => update({ page: value > 1 ? value : undefined }),
      setSort: (value: string | undefined) => update({ sort: value, page: undefined }),
      setQ: (value: string) => update({ q: value, page: undefined }),
      /** Set any other filter (e.g. `status`), back to page 1. */
      set: (key: string, value: string | undefined) => update({ [key]: value, page: undefined }),
    }),
    [update],
  );
  return {
    page,
    pageSize: defaults.pageSize ?? 50,
    sort,
    q,
    /** Read any other filter from the URL. */
    get: (key: string) => params.get(key),
    ...setters,
  };
}
