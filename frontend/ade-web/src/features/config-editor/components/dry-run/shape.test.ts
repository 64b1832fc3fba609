import { describe, expect, it } from 'vitest';

import { mappingRows } from '@/lib/mapping';

import type { DryRun, DryRunTable } from '../../api/dryRun';
import { consoleLines, mappedTable, runFailure, statusLabel, tableIssues } from './shape';

const table: DryRunTable = {
  sheet: 'Roster',
  id: 'Roster#1',
  range: 'A3:C9',
  header_rows: [3],
  status: 'mapped',
  columns: [
    {
      letter: 'A',
      index: 0,
      header: 'E-mail',
      scores: { email: 1.6, phone: 0.2 },
      score_parts: { email: { synonyms: 1, 'columns/email.py:detect_values': 0.6 }, phone: { 'columns/phone.py:detect_values': 0.2 } },
      winner: 'email',
      winner_score: 1.6,
    },
    { letter: 'B', index: 1, header: 'Notes', scores: { email: 0.1 }, winner: null, winner_score: null },
  ],
  mapping: [{ field: 'email', label: 'Email', column: 'A', header: 'E-mail', score: 1.6 }, { field: 7 }],
  mapping_changed_by: [],
  unmapped_fields: ['phone', 'member_id', 3],
  unmapped_columns: ['B'],
  table_issues: [{ type: 'required_field_unmapped', field: 'member_id', message: "required field 'Member ID' (member_id) was not found" }],
  issues: { count: 5, by_field: { email: 2, phone: 3, zero: 0 } },
};

const run: DryRun = {
  run_id: 'R',
  status: 'succeeded',
  document_id: 'D',
  files_hash: 'h',
  elapsed_ms: 1200,
  error: null,
  tables: [table],
  logs: [{ level: 'info', message: 'roster config loaded', source: 'hooks/on_run_start.py' }],
  stdout: 'hello\r\nworld\n\n',
  stderr: 'careful\n',
};

describe('mappedTable', () => {
  it('reads a preview table as the mapping explanation does, score parts included', () => {
    const shaped = mappedTable(table);
    expect(shaped.mapping).toEqual([{ field: 'email', label: 'Email', column: 'A', header: 'E-mail', score: 1.6 }]);
    expect(shaped.unmappedFields).toEqual(['phone', 'member_id']);
    expect(shaped.requiredMissing).toEqual(['member_id']);
    const [a, b] = mappingRows(shaped);
    expect(a!.field).toEqual({ field: 'email', label: 'Email', score: 1.6 });
    expect(a!.runnerUp).toEqual({ field: 'phone', label: 'phone', score: 0.2 });
    expect(a!.reasons).toEqual([
      { kind: 'synonym', label: 'Header synonym', score: 1 },
      { kind: 'detector', label: 'columns/email.py:detect_values', score: 0.6 },
    ]);
    // A column without score parts (an older answer) still lists its runner-up.
    expect(b!.field).toBeNull();
    expect(b!.runnerUp?.field).toBe('email');
  });
});

describe('tableIssues', () => {
  it('lists the table problems and the cell issues per field, most first', () => {
    expect(tableIssues(table)).toEqual({
      messages: ["required field 'Member ID' (member_id) was not found"],
      byField: [
        { field: 'phone', count: 3 },
        { field: 'email', count: 2 },
      ],
      total: 5,
    });
  });

  it('is empty for a table without issues', () => {
    expect(tableIssues({ ...table, table_issues: undefined, issues: undefined })).toEqual({ messages: [], byField: [], total: 0 });
  });
});

describe('consoleLines', () => {
  it('gives the logged lines, then stdout and stderr line by line', () => {
    expect(consoleLines(run)).toEqual([
      { stream: 'log', level: 'info', text: 'roster config loaded', source: 'hooks/on_run_start.py' },
      { stream: 'stdout', level: 'stdout', text: 'hello', source: null },
      { stream: 'stdout', level: 'stdout', text: 'world', source: null },
      { stream: 'stderr', level: 'stderr', text: 'careful', source: null },
    ]);
  });

  it('is empty for a quiet run', () => {
    expect(consoleLines({ ...run, logs: [], stdout: '', stderr: '' })).toEqual([]);
  });
});

describe('runFailure', () => {
  it('is null for a run that succeeded', () => {
    expect(runFailure(run)).toBeNull();
  });

  it('points at the file and line of failing config code', () => {
    const failed = { ...run, status: 'failed', error: { type: 'ConfigError', message: 'transform broke', file: 'columns/email.py', line: 14 } };
    expect(runFailure(failed)).toEqual({ message: 'transform broke', where: { file: 'columns/email.py', line: 14 } });
  });

  it('says what happened when there is no file', () => {
    expect(runFailure({ ...run, status: 'timeout', error: null })).toEqual({ message: 'The run ended with status timeout.', where: null });
    expect(statusLabel('timeout')).toBe('Timed out');
  });
});
