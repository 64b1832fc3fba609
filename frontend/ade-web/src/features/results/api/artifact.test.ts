import { describe, expect, it } from 'vitest';

import { mappingRows } from '@/lib/mapping';

import { readArtifact } from './artifact';

describe('readArtifact', () => {
  it('survives an artifact with missing or odd fields', () => {
    const [table] = readArtifact({ sheets: [{ name: 'S', tables: [{ columns: [{ letter: 'A', scores: 'x' }], mapping: [{ field: 1 }] }] }] }).tables;
    expect(mappingRows(table!)).toEqual([{ column: 'A', header: null, field: null, runnerUp: null, reasons: [] }]);
    expect(readArtifact(null).tables).toEqual([]);
  });
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
});
