import { describe, expect, it } from 'vitest';

import type { JobEvent } from './jobs';
import { jobTimeline, type SpanEntry } from './timeline';

let seq = 0;
const ev = (type: string, payload: Record<string, unknown> = {}): JobEvent => ({ seq: ++seq, type, payload, created_at: '2026-01-01T00:00:00Z' });
const rows = { group: 'rows' };

/** The events a run emits, in the order the engine emits them. */
function run(): JobEvent[] {
  return [
    ev('run.started'),
    ev('pass.started', { name: 'detect', ts: '2026-01-01T00:00:01.000Z' }),
    ev('table.detected', { sheet: 'S' }),
    ev('pass.completed', { name: 'detect', elapsed_ms: 120, tables: 1 }),
    ev('log', { message: 'between passes' }),
    ev('pass.started', { name: 'map' }),
    ev('pass.completed', { name: 'map', elapsed_ms: 30 }),
    ev('pass.started', { name: 'transform', ...rows, ts: '2026-01-01T00:00:02.000Z' }),
    ev('pass.started', { name: 'validate', ...rows }),
    ev('pass.started', { name: 'output', ...rows }),
    ev('progress', { rows: 500, total: 1000 }),
    ev('progress', { rows: 1000, total: 1000 }),
    ev('pass.completed', { name: 'transform', elapsed_ms: 40, ...rows }),
    ev('pass.completed', { name: 'validate', elapsed_ms: 10, issues: 0, ...rows }),
    ev('pass.completed', { name: 'output', elapsed_ms: 50, rows: 1000, ...rows }),
    ev('run.completed'),
  ];
}

describe('jobTimeline', () => {
  it('shows detect and map as spans and the rows passes as one span with each time inside it', () => {
    const entries = jobTimeline([ev('job.queued'), ev('job.started'), ...run(), ev('job.succeeded')]);
    expect(entries.map((e) => e.label)).toEqual([
      'job queued',
      'job started',
      'run started',
      'Detect',
      'table detected',
      'log',
      'Map',
      'Rows',
      'run completed',
      'job succeeded',
    ]);
    // What the engine reported while a span ran sits inside it; the rest does not.
    const inside = entries.filter((e) => e.kind === 'event' && e.inside).map((e) => e.label);
    expect(inside).toEqual(['table detected']);
    const [detect, , span] = entries.filter((e): e is SpanEntry => e.kind === 'span');
    expect(detect).toMatchObject({ elapsedMs: 120, at: '2026-01-01T00:00:01.000Z', passes: [{ name: 'detect', elapsedMs: 120 }] });
    expect(span).toMatchObject({
      description: 'transform, validate and output, a chunk of rows at a time',
      at: '2026-01-01T00:00:02.000Z',
      elapsedMs: 100,
      rows: { done: 1000, total: 1000 },
      passes: [
        { name: 'transform', elapsedMs: 40 },
        { name: 'validate', elapsedMs: 10 },
        { name: 'output', elapsedMs: 50 },
      ],
    });
  });

  it('leaves a span unfinished while its passes run, with the rows so far', () => {
    const events = run().slice(0, 11);
    const span = jobTimeline(events).at(-1) as SpanEntry;
    expect(span.label).toBe('Rows');
    expect(span.elapsedMs).toBeNull();
    expect(span.passes.map((p) => p.elapsedMs)).toEqual([null, null, null]);
    expect(span.rows).toEqual({ done: 500, total: 1000 });
  });

  it('groups the rows passes of events recorded without a group too', () => {
    const old = run().map((e) => ({ ...e, payload: { ...e.payload, group: undefined } }));
    expect(jobTimeline(old).map((e) => e.label)).toEqual(['run started', 'Detect', 'table detected', 'log', 'Map', 'Rows', 'run completed']);
  });

  it('starts new spans after a retry', () => {
    const entries = jobTimeline([ev('job.started'), ...run().slice(0, 3), ev('job.retrying'), ev('job.started'), ...run()]);
    expect(entries.map((e) => e.label)).toEqual([
      'job started',
      'run started',
      'Detect',
      'table detected',
      'job retrying',
      'job started',
      'run started',
      'Detect',
      'table detected',
      'log',
      'Map',
      'Rows',
      'run completed',
    ]);
  });
});
