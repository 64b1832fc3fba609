import { describe, expect, it } from 'vitest';

import { readArtifact } from './artifact';
import { formatScore, mappingRows, unmatchedFields } from './mapping';

const artifact = (table: Record<string, unknown>) =>
  readArtifact({ schema: 'ade.artifact/v1', status: 'succeeded', settings: { min_score: 0.5 }, sheets: [{ name: 'Roster', tables: [table] }] });

const roster = {
  id: 'Roster#1',
  range: 'A3:D9',
  header_rows: [3],
  columns: [
    {
      letter: 'A',
      header: 'Member ID',
      scores: { member_id: 1.45, email: 0, first_name: 0.2 },
      score_parts: { member_id: { synonyms: 1.0, detect_values: 0.45 }, first_name: { detect_names: 0.2 } },
      winner: 'member_id',
      winner_score: 1.45,
    },
    { letter: 'B', header: 'E-mail', scores: { email: 0.9, member_id: 0 }, score_parts: { email: { synonyms: 0.9 } }, winner: 'email' },
    { letter: 'C', header: 'Notes', scores: { email: 0.3, first_name: 0.1 }, score_parts: {}, winner: null },
  ],
  mapping: [
    { field: 'member_id', label: 'Member ID', column: 'A', header: 'Member ID', score: 1.45 },
    { field: 'email', label: 'Email', column: 'B', header: 'E-mail', score: 0.9 },
  ],
  mapping_changed_by: [],
  unmapped_fields: ['first_name', 'phone'],
  unmapped_columns: ['C'],
  table_issues: [{ type: 'required_field_unmapped', field: 'phone', message: '…' }],
  rows: { data: 6, excluded: 0, written: 6 },
  issues: { count: 2 },
  status: 'mapped',
  output_rows: [2, 7],
};

describe('mappingRows', () => {
  it('gives each column its field, score, runner-up and why', () => {
    const [table] = artifact(roster).tables;
    const rows = mappingRows(table!);
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
    const changed = {
      ...roster,
      mapping_changed_by: ['hooks/fix_mapping.py'],
      mapping: [
        { field: 'first_name', label: 'First name', column: 'A', header: 'Member ID', score: 0.2 },
        { field: 'email', label: 'Email', column: 'B', header: 'E-mail', score: 0.9 },
      ],
    };
    const [a, b] = mappingRows(artifact(changed).tables[0]!);
    expect(a!.field?.field).toBe('first_name');
    expect(a!.reasons[0]).toEqual({ kind: 'hook', label: 'hooks/fix_mapping.py', score: null });
    expect(a!.runnerUp?.field).toBe('member_id');
    // The hook left column B as its scores chose: its reasons are the scores'.
    expect(b!.reasons.map((r) => r.kind)).toEqual(['synonym']);
  });

  it('survives an artifact with missing or odd fields', () => {
    const [table] = readArtifact({ sheets: [{ name: 'S', tables: [{ columns: [{ letter: 'A', scores: 'x' }], mapping: [{ field: 1 }] }] }] }).tables;
    expect(mappingRows(table!)).toEqual([{ column: 'A', header: null, field: null, runnerUp: null, reasons: [] }]);
    expect(readArtifact(null).tables).toEqual([]);
  });
});

describe('unmatchedFields', () => {
  it('lists the fields no column became, required ones first', () => {
    expect(unmatchedFields(artifact(roster).tables[0]!)).toEqual([
      { field: 'phone', required: true },
      { field: 'first_name', required: false },
    ]);
  });
});

describe('readArtifact', () => {
  it('reads the output, the passes and a failure', () => {
    const read = readArtifact({
      status: 'failed',
      output: { sheet: 'Normalized', columns: ['Member ID', 'Email'], rows: 6, issues_sheet: 'Issues' },
      passes: [{ name: 'detect', elapsed_ms: 12 }],
      error: { type: 'config_code', message: 'boom', file: 'columns/email.py', line: 12 },
    });
    expect(read.output).toEqual({ sheet: 'Normalized', columns: ['Member ID', 'Email'], rows: 6, issuesSheet: 'Issues' });
    expect(read.passes).toEqual([{ name: 'detect', elapsedMs: 12 }]);
    expect(read.error).toEqual({ type: 'config_code', message: 'boom', file: 'columns/email.py', line: 12 });
    expect(read.tables[0]?.outputRows).toBeUndefined();
  });

  it('formats scores without noise', () => {
    expect(formatScore(1.4512)).toBe('1.45');
    expect(formatScore(1)).toBe('1');
  });
});
