import { describe, expect, it } from 'vitest';

import { columnIndex, columnLetter } from './columns';

describe('column letters', () => {
  it('counts like a spreadsheet', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnLetter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
  });

  it('reads letters back, in either case', () => {
    expect(['A', 'Z', 'AA', 'zz', 'AAA'].map(columnIndex)).toEqual([0, 25, 26, 701, 702]);
  });
});
