/**
 * The workspace's change events (its SSE stream) applied to cached jobs: a `job.*` event
 * carries the job's new state (status, attempts, timestamps), written into every cached page
 * that holds the job and into its detail.
 */
import type { components } from '@/api/generated/schema';

import type { Job, JobStatus } from './jobs';

export type WorkspaceEvent = components['schemas']['EventOut'];
type JobsPage = components['schemas']['Page_JobOut_'];

const STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** An SSE message's data as a workspace event, or null when it is not one. */
export function parseWorkspaceEvent(data: string): WorkspaceEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isRecord(parsed) || typeof parsed.id !== 'string' || typeof parsed.type !== 'string') return null;
  if (typeof parsed.created_at !== 'string') return null;
  return {
    id: parsed.id,
    type: parsed.type,
    created_at: parsed.created_at,
    subject_type: strOrNull(parsed.subject_type),
    subject_id: strOrNull(parsed.subject_id),
    document_id: strOrNull(parsed.document_id),
    job_id: strOrNull(parsed.job_id),
    actor_id: strOrNull(parsed.actor_id),
    payload: isRecord(parsed.payload) ? { ...parsed.payload } : {},
  };
}

/** The job fields a `job.*` event's payload changes (only those present and well-typed). */
export function jobChanges(event: WorkspaceEvent): Partial<Job> {
  const p = event.payload;
  const changes: Partial<Job> = {};
  const status = STATUSES.find((s) => s === p.status);
  if (status !== undefined) changes.status = status;
  if (typeof p.attempts === 'number') changes.attempts = p.attempts;
  if (typeof p.cache_hit === 'boolean') changes.cache_hit = p.cache_hit;
  for (const key of ['started_at', 'completed_at', 'cancel_requested_at'] as const) {
    if (key in p) changes[key] = strOrNull(p[key]);
  }
  if (typeof p.queued_at === 'string') changes.queued_at = p.queued_at;
  if (typeof p.updated_at === 'string') changes.updated_at = p.updated_at;
  return changes;
}

/** A job with an event applied; the same object when the event is about another job. */
export function applyToJob(job: Job, event: WorkspaceEvent): Job {
  if (event.job_id !== job.id) return job;
  return { ...job, ...jobChanges(event) };
}

/**
 * A cached page with an event applied. `stale` says the page can no longer be patched and must
 * be fetched again: a new job that may belong on it, or a job whose new status leaves a
 * status-filtered page.
 */
export function applyToPage(page: JobsPage, event: WorkspaceEvent, filter: { status?: string | null }): { page: JobsPage; stale: boolean } {
  if (event.job_id === null || !event.type.startsWith('job.')) return { page, stale: false };
  const held = page.items.some((job) => job.id === event.job_id);
  if (!held) return { page, stale: event.type === 'job.queued' || event.type === 'job.cache_hit' };
  const items = page.items.map((job) => applyToJob(job, event));
  const status = jobChanges(event).status;
  const stale = Boolean(filter.status) && status !== undefined && status !== filter.status;
  return { page: { ...page, items }, stale };
}
