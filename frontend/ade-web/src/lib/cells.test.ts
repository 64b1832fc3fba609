import { describe, expect, it } from 'vitest';

import { cellText } from './cells';

describe('cellText', () => {
  it('reads typed cells as their ISO value', () => {
    expect(cellText({ t: 'date', v: '2024-01-02' })).toBe('2024-01-02');
    expect(cellText(null)).toBe('');
    expect(cellText(true)).toBe('true');
  });
});
