/**
 * Where a job is, read from its timeline: the engine's passes (detect, map, transform,
 * validate, output) completed so far, the one running, and the rows done in the current one.
 */
import type { JobEvent, JobStatus } from './jobs';

export const PASSES = ['detect', 'map', 'transform', 'validate', 'output'] as const;

export interface PassState {
  name: string;
  state: 'done' | 'running' | 'waiting';
  elapsedMs: number | null;
}

export interface JobProgress {
  passes: PassState[];
  /** 0–1; 1 once the job succeeded. */
  fraction: number;
  /** Rows done of all, from the engine's last `progress` event. */
  rows: { done: number; total: number } | null;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const passName = (event: JobEvent): string | null => (typeof event.payload.name === 'string' ? event.payload.name : null);

export function jobProgress(events: JobEvent[], status: JobStatus): JobProgress {
  const done = new Map<string, number | null>();
  const started = new Set<string>();
  let rows: JobProgress['rows'] = null;
  for (const event of events) {
    const name = passName(event);
    if (event.type === 'pass.started' && name !== null) started.add(name);
    if (event.type === 'pass.completed' && name !== null) done.set(name, num(event.payload.elapsed_ms));
    if (event.type === 'progress') {
      const total = num(event.payload.total);
      const count = num(event.payload.rows);
      if (total !== null && count !== null && total > 0) rows = { done: Math.min(count, total), total };
    }
    // A retry starts the passes over.
    if (event.type === 'job.retrying' || event.type === 'job.queued') {
      done.clear();
      started.clear();
      rows = null;
    }
  }
  const passes = PASSES.map((name): PassState => {
    if (done.has(name)) return { name, state: 'done', elapsedMs: done.get(name) ?? null };
    return { name, state: started.has(name) && status === 'running' ? 'running' : 'waiting', elapsedMs: null };
  });
  if (status === 'succeeded') return { passes, fraction: 1, rows };
  const completed = passes.filter((p) => p.state === 'done').length;
  // Rows count towards the passes that read them (transform, validate and output run together).
  const partial = rows !== null && completed >= 2 && completed < PASSES.length ? (rows.done / rows.total) * (PASSES.length - completed) : 0;
  return { passes, fraction: Math.min(1, (completed + partial) / PASSES.length), rows };
}
