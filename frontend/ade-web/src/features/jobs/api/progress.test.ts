import { describe, expect, it } from 'vitest';

import type { JobEvent } from './jobs';
import { jobProgress } from './progress';

let seq = 0;
const ev = (type: string, payload: Record<string, unknown> = {}): JobEvent => ({ seq: ++seq, type, payload, created_at: '2026-01-01T00:00:00Z' });

describe('jobProgress', () => {
  it('marks passes done, running and waiting, and counts rows', () => {
    const events = [
      ev('job.started'),
      ev('pass.started', { name: 'detect' }),
      ev('pass.completed', { name: 'detect', elapsed_ms: 120 }),
      ev('pass.completed', { name: 'map', elapsed_ms: 30 }),
      ev('pass.started', { name: 'transform' }),
      ev('progress', { rows: 50, total: 100 }),
    ];
    const progress = jobProgress(events, 'running');
    expect(progress.passes.map((p) => p.state)).toEqual(['done', 'done', 'running', 'waiting', 'waiting']);
    expect(progress.passes[0]?.elapsedMs).toBe(120);
    expect(progress.rows).toEqual({ done: 50, total: 100 });
    // 2 of 5 passes, and half of the remaining three through their rows.
    expect(progress.fraction).toBeCloseTo((2 + 1.5) / 5);
  });

  it('is complete once the job succeeded, and starts over on a retry', () => {
    expect(jobProgress([], 'succeeded').fraction).toBe(1);
    const retried = jobProgress([ev('pass.completed', { name: 'detect' }), ev('job.retrying'), ev('job.queued')], 'queued');
    expect(retried.passes.every((p) => p.state === 'waiting')).toBe(true);
    expect(retried.fraction).toBe(0);
  });
});
