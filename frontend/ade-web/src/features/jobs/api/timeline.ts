/**
 * A job's timeline as a person reads it, from its events: each job and run event in the order
 * it happened, and the engine's passes as spans. Detect and map run one after the other, a
 * span each; transform, validate and output run together, a chunk of rows at a time (their
 * events carry `group: "rows"`), so they are one "rows" span with each pass's own time inside
 * it. Row progress is folded into that span; what the engine reports while a span runs (a
 * table detected, a mapping decided, a log line) is marked `inside` it; a retry starts new
 * spans.
 */
import type { JobEvent } from './jobs';

/** The passes that run together, chunk by chunk (for events recorded before `group`). */
export const ROWS_PASSES: readonly string[] = ['transform', 'validate', 'output'];

interface SpanSpec {
  label: string;
  description: string;
  passes: readonly string[];
}

const SPANS: Partial<Record<string, SpanSpec>> = {
  detect: { label: 'Detect', description: 'finding the tables in each sheet', passes: ['detect'] },
  map: { label: 'Map', description: 'matching columns to fields', passes: ['map'] },
  rows: { label: 'Rows', description: 'transform, validate and output, a chunk of rows at a time', passes: ROWS_PASSES },
};

export interface EventEntry {
  kind: 'event';
  key: string;
  label: string;
  at: string;
  /** Happened while a span ran (an engine event between its passes' start and end). */
  inside: boolean;
}

export interface SpanEntry {
  kind: 'span';
  key: string;
  label: string;
  description: string;
  at: string;
  /** Each pass in the span with its own time once it completed. */
  passes: { name: string; elapsedMs: number | null }[];
  /** The passes' times summed once all completed, else null (still running, or stopped). */
  elapsedMs: number | null;
  rows: { done: number; total: number } | null;
}

export type TimelineEntry = EventEntry | SpanEntry;

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Which span a pass event belongs to: its `group`, else its own name (rows passes: "rows"). */
function spanOf(event: JobEvent): [string, SpanSpec] | null {
  const { name, group } = event.payload;
  const id = typeof group === 'string' && SPANS[group] ? group : typeof name !== 'string' ? null : ROWS_PASSES.includes(name) ? 'rows' : name;
  const spec = id === null ? undefined : SPANS[id];
  return id !== null && spec !== undefined ? [id, spec] : null;
}

export function jobTimeline(events: JobEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  let open = new Map<string, SpanEntry>();
  let running: SpanEntry | null = null;
  for (const event of events) {
    const at = typeof event.payload.ts === 'string' ? event.payload.ts : event.created_at;
    if (event.type === 'pass.started' || event.type === 'pass.completed') {
      const found = spanOf(event);
      if (found !== null) {
        const [id, spec] = found;
        let span = open.get(id);
        if (span === undefined) {
          span = {
            kind: 'span',
            key: `span-${event.seq}`,
            label: spec.label,
            description: spec.description,
            at,
            passes: spec.passes.map((name) => ({ name, elapsedMs: null })),
            elapsedMs: null,
            rows: null,
          };
          open.set(id, span);
          entries.push(span);
          running = span;
        }
        if (event.type === 'pass.completed') complete(span, event.payload.name, num(event.payload.elapsed_ms) ?? 0);
        if (span === running && span.elapsedMs !== null) running = null;
        continue;
      }
    }
    if (event.type === 'progress') {
      const rows = open.get('rows');
      const done = num(event.payload.rows);
      const total = num(event.payload.total);
      if (rows !== undefined && done !== null && total !== null) rows.rows = { done: Math.min(done, total), total };
      continue;
    }
    // A retry (or the job queued again) starts the passes over, as new spans.
    if (event.type === 'job.retrying' || event.type === 'job.queued') open = new Map();
    const ownLine = event.type.startsWith('job.') || event.type.startsWith('run.');
    if (ownLine) running = null;
    entries.push({ kind: 'event', key: `event-${event.seq}`, label: event.type.replace(/[._]/g, ' '), at, inside: running !== null });
  }
  return entries;
}

function complete(span: SpanEntry, name: unknown, elapsedMs: number): void {
  const pass = span.passes.find((p) => p.name === name);
  if (pass === undefined) return;
  pass.elapsedMs = elapsedMs;
  if (span.passes.every((p) => p.elapsedMs !== null)) {
    span.elapsedMs = span.passes.reduce((sum, p) => sum + (p.elapsedMs ?? 0), 0);
  }
}
