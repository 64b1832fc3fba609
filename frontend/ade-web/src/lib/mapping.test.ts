import { describe, expect, it } from 'vitest';

import { formatScore, mappingRows, unmatchedFields, type MappedTable } from './mapping';

const roster: MappedTable = {
  id: 'Roster#1',
  columns: [
    {
      letter: 'A',
      header: 'Member ID',
      scores: { member_id: 1.45, email: 0, first_name: 0.2 },
      scoreParts: { member_id: { synonyms: 1.0, detect_values: 0.45 }, first_name: { detect_names: 0.2 } },
    },
    { letter: 'B', header: 'E-mail', scores: { email: 0.9, member_id: 0 }, scoreParts: { email: { synonyms: 0.9 } } },
    { letter: 'C', header: 'Notes', scores: { email: 0.3, first_name: 0.1 }, scoreParts: {} },
  ],
  mapping: [
    { field: 'member_id', label: 'Member ID', column: 'A', header: 'Member ID', score: 1.45 },
    { field: 'email', label: 'Email', column: 'B', header: 'E-mail', score: 0.9 },
  ],
  mappingChangedBy: [],
  unmappedFields: ['first_name', 'phone'],
  requiredMissing: ['phone'],
};

describe('mappingRows', () => {
  it('gives each column its field, score, runner-up and why', () => {
    const rows = mappingRows(roster);
    expect(rows.map((r) => [r.column, r.field?.field ?? null])).toEqual([
      ['A', 'member_id'],
      ['B', 'email'],
      ['C', null],
    ]);
    const [a, b, c] = rows;
    expect(a!.field).toEqual({ field: 'member_id', label: 'Member ID', score: 1.45 });
    expect(a!.runnerUp).toEqual({ field: 'first_name', label: 'first_name', score: 0.2 });
    expect(a!.reasons).toEqual([
      { kind: 'synonym', label: 'Header synonym', score: 1 },
      { kind: 'detector', label: 'detect_values', score: 0.45 },
    ]);
    // No other field scored above zero: no runner-up.
    expect(b!.runnerUp).toBeNull();
    // An unmapped column shows the best field it did not reach, with its label when known.
    expect(c!.field).toBeNull();
    expect(c!.runnerUp).toEqual({ field: 'email', label: 'Email', score: 0.3 });
    expect(c!.reasons).toEqual([]);
  });

  it('names the hooks when a hook, not the scores, decided', () => {
    const changed: MappedTable = {
      ...roster,
      mappingChangedBy: ['hooks/fix_mapping.py'],
      mapping: [
        { field: 'first_name', label: 'First name', column: 'A', header: 'Member ID', score: 0.2 },
        { field: 'email', label: 'Email', column: 'B', header: 'E-mail', score: 0.9 },
      ],
    };
    const [a, b] = mappingRows(changed);
    expect(a!.field?.field).toBe('first_name');
    expect(a!.reasons[0]).toEqual({ kind: 'hook', label: 'hooks/fix_mapping.py', score: null });
    expect(a!.runnerUp?.field).toBe('member_id');
    // The hook left column B as its scores chose: its reasons are the scores'.
    expect(b!.reasons.map((r) => r.kind)).toEqual(['synonym']);
  });

});

describe('unmatchedFields', () => {
  it('lists the fields no column became, required ones first', () => {
    expect(unmatchedFields(roster)).toEqual([
      { field: 'phone', required: true },
      { field: 'first_name', required: false },
    ]);
  });
});

describe('formatScore', () => {
  it('formats scores without noise', () => {
    expect(formatScore(1.4512)).toBe('1.45');
    expect(formatScore(1)).toBe('1');
  });
});
