import { describe, expect, it } from 'vitest';

import { annotationsFor, annotationsFromArtifact, cellEdges, parseRange } from './annotations';

const artifact = {
  schema: 'ade.artifact/v1',
  status: 'succeeded',
  sheets: [
    {
      name: 'Roster',
      index: 0,
      status: 'scanned',
      reason: null,
      decisions: [
        { row: 1, kind: 'skipped', columns: 'A:D', reason: 'title or note row' },
        { row: 2, kind: 'stacked_header', reason: 'groups columns' },
      ],
      tables: [
        {
          id: 'Roster#1',
          range: 'A3:D9',
          header_rows: [3],
          status: 'mapped',
          row_decisions: [
            { row: 9, kind: 'total', reason: 'total row; table ends' },
            { row: 3, kind: 'headerless', reason: 'info only' },
          ],
        },
        { id: 'broken', range: 'not a range', header_rows: [] },
      ],
    },
    { name: 'Hidden', index: 1, status: 'skipped', reason: 'hidden sheet', decisions: [], tables: [] },
  ],
};

describe('artifact → preview annotations', () => {
  it('reads ranges as 0-based bounds', () => {
    expect(parseRange('A3:T100003')).toEqual({ firstRow: 2, lastRow: 100002, firstCol: 0, lastCol: 19 });
    expect(parseRange('B2')).toEqual({ firstRow: 1, lastRow: 1, firstCol: 1, lastCol: 1 });
    expect(parseRange('A1:')).toBeNull();
  });

  it('outlines tables, marks header rows and greys skipped rows with their reason', () => {
    const [roster, hidden] = annotationsFromArtifact(artifact);
    expect(roster?.tables).toEqual([
      { id: 'Roster#1', firstRow: 2, lastRow: 8, firstCol: 0, lastCol: 3, headerRows: [2], status: 'mapped' },
    ]);
    expect(roster?.rows.get(0)).toEqual({ kind: 'skipped', label: 'skipped', reason: 'title or note row (A:D)' });
    expect(roster?.rows.get(1)).toBeUndefined(); // informational, not skipped
    expect(roster?.rows.get(2)).toMatchObject({ kind: 'header' });
    expect(roster?.rows.get(8)).toEqual({ kind: 'skipped', label: 'total', reason: 'total row; table ends' });
    expect(hidden).toMatchObject({ status: 'skipped', reason: 'hidden sheet', tables: [] });
  });

  it('finds a sheet by name, else by position, and tolerates anything else', () => {
    const sheets = annotationsFromArtifact(artifact);
    expect(annotationsFor(sheets, { name: 'Roster', index: 5 })?.name).toBe('Roster');
    expect(annotationsFor(sheets, { name: 'renamed', index: 1 })?.name).toBe('Hidden');
    expect(annotationsFromArtifact(null)).toEqual([]);
    expect(annotationsFromArtifact({ sheets: 'nope' })).toEqual([]);
    expect(annotationsFromArtifact({ sheets: [{ tables: [{ range: 5 }], decisions: [{ row: 'x' }] }] })[0]).toMatchObject({
      tables: [],
      rows: new Map(),
    });
  });

  it('tells which sides of a cell are its table’s border', () => {
    const tables = annotationsFromArtifact(artifact)[0]?.tables ?? [];
    expect(cellEdges(tables, 2, 0)).toEqual({ tableId: 'Roster#1', top: true, bottom: false, left: true, right: false });
    expect(cellEdges(tables, 8, 3)).toEqual({ tableId: 'Roster#1', top: false, bottom: true, left: false, right: true });
    expect(cellEdges(tables, 5, 2)).toMatchObject({ top: false, bottom: false, left: false, right: false });
    expect(cellEdges(tables, 0, 0).tableId).toBeNull();
  });
});
