import { useQuery, useQueryClient } from '@tanstack/react-query';

import { useEventStream } from '@/lib/useEventStream';

import { jobEventsQuery, jobEventsUrl, jobKeys, jobQuery, TERMINAL_STATUSES, type JobEvent } from '../api/jobs';

/** An SSE message's data as a job event (the stream sends JobEventOut as JSON). */
export function parseJobEvent(data: string): JobEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  if (!('seq' in parsed) || typeof parsed.seq !== 'number') return null;
  if (!('type' in parsed) || typeof parsed.type !== 'string') return null;
  if (!('created_at' in parsed) || typeof parsed.created_at !== 'string') return null;
  const payload = 'payload' in parsed && typeof parsed.payload === 'object' && parsed.payload !== null ? { ...parsed.payload } : {};
  return { seq: parsed.seq, type: parsed.type, created_at: parsed.created_at, payload };
}

/**
 * A job and its timeline, live: loads both with useQuery, then follows the job's SSE stream
 * from the last event loaded while the job is not finished, writing each event into the
 * timeline's cache entry and refetching the job when a `job.*` event says it changed.
 */
export function useLiveJob(workspaceId: string, jobId: string) {
  const queryClient = useQueryClient();
  const job = useQuery(jobQuery(workspaceId, jobId));
  const events = useQuery(jobEventsQuery(workspaceId, jobId));
  const finished = job.data !== undefined && TERMINAL_STATUSES.includes(job.data.status);
  const follow = job.data !== undefined && events.data !== undefined && !finished;
  const lastSeq = events.data?.items.at(-1)?.seq;
  const live = useEventStream(follow ? jobEventsUrl(workspaceId, jobId) : null, {
    lastEventId: lastSeq === undefined ? null : String(lastSeq),
    onEvent: (message) => {
      const event = parseJobEvent(message.data);
      if (event === null) return;
      queryClient.setQueryData(jobEventsQuery(workspaceId, jobId).queryKey, (page) => {
        if (page === undefined || page.items.some((e) => e.seq === event.seq)) return page;
        return { ...page, items: [...page.items, event], total: page.total + 1 };
      });
      // `job.*` events change the job itself (status, timings); the rest (passes, logs,
      // progress) only add to the timeline.
      if (event.type.startsWith('job.')) {
        void queryClient.invalidateQueries({ queryKey: jobKeys.detail(workspaceId, jobId), exact: true });
      }
    },
    onReconnect: () => void queryClient.invalidateQueries({ queryKey: jobKeys.detail(workspaceId, jobId) }),
  });
  return { job, events, live };
}
