import { describe, expect, it } from 'vitest';

import { issueCell, issuesOf } from './issues';

describe('issueCell', () => {
  const columns = ['Member ID', 'First Name', 'Email'];

  it('places an issue on the cell of its field and output row', () => {
    expect(issueCell([5, 'Email', 'ada@', 'not an email address'], columns)).toEqual({
      row: 5,
      column: 2,
      address: 'C5',
      field: 'Email',
      value: 'ada@',
      message: 'not an email address',
    });
  });

  it('keeps the row when the field is not an output column', () => {
    expect(issueCell([7, 'Gone', null, 'x'], columns)).toMatchObject({ column: null, address: 'row 7', value: '' });
  });

  it('rejects rows that are not issues', () => {
    expect(issueCell(['Output row', 'Field', 'Value', 'Message'], columns)).toBeNull();
    expect(issueCell([], columns)).toBeNull();
    expect(issueCell([0, 'Email'], columns)).toBeNull();
  });
});

describe('issuesOf', () => {
  it('skips the Issues sheet header on the first page only', () => {
    const page = (offset: number, rows: (string | number | null)[][]) => ({
      sheets: [],
      sheet: 'Issues',
      offset,
      limit: 100,
      total: 3,
      truncated: false,
      rows,
    });
    const first = issuesOf(page(0, [['Output row', 'Field', 'Value', 'Message'], [2, 'Email', 'x', 'bad']]), ['Email']);
    expect(first.map((i) => i.address)).toEqual(['A2']);
    expect(issuesOf(page(2, [[3, 'Email', 'y', 'bad']]), ['Email']).map((i) => i.address)).toEqual(['A3']);
  });
});
