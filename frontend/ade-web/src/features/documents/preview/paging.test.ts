import { describe, expect, it } from 'vitest';

import { cellView, pageOf, pageRange, pagesFor, PAGE_ROWS } from './paging';

describe('preview paging', () => {
  it('finds the page of a row and the range of a page', () => {
    expect(pageOf(0)).toBe(0);
    expect(pageOf(PAGE_ROWS - 1)).toBe(0);
    expect(pageOf(PAGE_ROWS)).toBe(1);
    expect(pageOf(-5)).toBe(0);
    expect(pageRange(3)).toEqual({ offset: 3 * PAGE_ROWS, limit: PAGE_ROWS });
  });

  it('covers the visible rows with as few pages as needed, within the sheet', () => {
    expect(pagesFor(0, 30, 100_000, 200)).toEqual([0]);
    expect(pagesFor(190, 230, 100_000, 200)).toEqual([0, 1]);
    expect(pagesFor(99_990, 100_020, 100_000, 200)).toEqual([499]);
    expect(pagesFor(0, 10, 0, 200)).toEqual([]);
    expect(pagesFor(10, 5, 100, 200)).toEqual([]);
  });

  it('shows typed cells sensibly', () => {
    expect(cellView(null)).toMatchObject({ text: '', kind: 'empty' });
    expect(cellView('Ada')).toEqual({ text: 'Ada', align: 'left', kind: 'text' });
    expect(cellView(42)).toMatchObject({ align: 'right', kind: 'number' });
    expect(cellView(true)).toEqual({ text: 'TRUE', align: 'center', kind: 'boolean' });
    expect(cellView({ t: 'date', v: '2024-01-02' })).toEqual({ text: '2024-01-02', align: 'right', kind: 'date' });
    expect(cellView({ t: 'datetime', v: '2024-01-02T09:30:00' }).text).toBe('2024-01-02T09:30:00');
  });
});
