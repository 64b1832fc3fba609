import { describe, expect, it } from 'vitest';

import type { Job } from './jobs';
import { applyToPage, jobChanges, parseWorkspaceEvent } from './liveList';

const job = (over: Partial<Job> = {}): Job => ({
  id: 'J1',
  workspace_id: 'W1',
  document_id: 'D1',
  config_id: 'C1',
  config_version_id: 'V1',
  status: 'running',
  run_key: 'k',
  cache_hit: false,
  cache_hit_of_id: null,
  flags: {},
  force: false,
  attempts: 1,
  queued_at: '2026-01-01T00:00:00Z',
  started_at: '2026-01-01T00:00:01Z',
  completed_at: null,
  cancel_requested_at: null,
  metrics: null,
  error: null,
  submitted_by_id: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:01Z',
  ...over,
});

const event = (type: string, jobId: string, payload: Record<string, unknown>) =>
  parseWorkspaceEvent(
    JSON.stringify({ id: '01E', type, created_at: '2026-01-01T00:00:05Z', subject_type: 'job', subject_id: jobId, document_id: 'D1', job_id: jobId, actor_id: null, payload }),
  )!;

const page = (items: Job[]) => ({ items, total: items.length, page: 1, page_size: 50 });

describe('workspace events on cached jobs', () => {
  it('parses only well-formed events', () => {
    expect(parseWorkspaceEvent('not json')).toBeNull();
    expect(parseWorkspaceEvent('{"id": 1}')).toBeNull();
    expect(event('job.started', 'J1', {}).job_id).toBe('J1');
  });

  it('takes the new state from the payload, ignoring odd values', () => {
    const changes = jobChanges(event('job.succeeded', 'J1', { status: 'succeeded', completed_at: '2026-01-01T00:00:05Z', attempts: 'x', status_extra: 1 }));
    expect(changes).toEqual({ status: 'succeeded', completed_at: '2026-01-01T00:00:05Z' });
    expect(jobChanges(event('job.x', 'J1', { status: 'exploded' }))).toEqual({});
  });

  it('patches the job in a page and leaves the others alone', () => {
    const other = job({ id: 'J2' });
    const { page: next, stale } = applyToPage(page([job(), other]), event('job.succeeded', 'J1', { status: 'succeeded' }), {});
    expect(next.items[0]?.status).toBe('succeeded');
    expect(next.items[1]).toBe(other);
    expect(stale).toBe(false);
  });

  it('asks for a refetch when a new job may belong on the page or one leaves a status filter', () => {
    expect(applyToPage(page([job()]), event('job.queued', 'J9', { status: 'queued' }), {}).stale).toBe(true);
    expect(applyToPage(page([job()]), event('job.progress', 'J9', { status: 'running' }), {}).stale).toBe(false);
    expect(applyToPage(page([job()]), event('job.failed', 'J1', { status: 'failed' }), { status: 'running' }).stale).toBe(true);
    expect(applyToPage(page([job()]), event('job.progress', 'J1', { status: 'running' }), { status: 'running' }).stale).toBe(false);
  });
});
