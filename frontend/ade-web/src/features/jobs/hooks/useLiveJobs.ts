import { useQueryClient } from '@tanstack/react-query';

import type { components } from '@/api/generated/schema';
import { useEventStream } from '@/lib/useEventStream';

import { jobKeys, jobQuery } from '../api/jobs';
import { applyToJob, applyToPage, parseWorkspaceEvent } from '../api/liveList';

type JobsPage = components['schemas']['Page_JobOut_'];

/** The SSE url of a workspace's change events. */
export function workspaceEventsUrl(workspaceId: string): string {
  return `/api/v1/workspaces/${encodeURIComponent(workspaceId)}/events`;
}

function statusFilter(key: readonly unknown[]): string | null {
  const params = key[4];
  if (typeof params !== 'object' || params === null || !('status' in params)) return null;
  return typeof params.status === 'string' ? params.status : null;
}

/**
 * Keep the workspace's cached jobs (lists and details) current from its live event stream:
 * each job event is written into the pages and the detail that hold the job; a page it cannot
 * patch (a new job, a job leaving a status filter, a deleted document) is fetched again, and
 * after a reconnect every jobs query is marked stale (events may have been missed).
 * Returns the connection state for a "Live" badge.
 */
export function useLiveJobs(workspaceId: string) {
  const queryClient = useQueryClient();
  const listKey = [...jobKeys.all(workspaceId), 'list'] as const;
  return useEventStream(workspaceEventsUrl(workspaceId), {
    onEvent: (message) => {
      const event = parseWorkspaceEvent(message.data);
      if (event === null) return;
      if (event.type === 'document.deleted') {
        void queryClient.invalidateQueries({ queryKey: listKey });
        return;
      }
      if (event.job_id === null) return;
      const jobId = event.job_id;
      queryClient.setQueryData(jobQuery(workspaceId, jobId).queryKey, (job) => job && applyToJob(job, event));
      for (const query of queryClient.getQueryCache().findAll({ queryKey: listKey })) {
        const cached = queryClient.getQueryData<JobsPage>(query.queryKey);
        if (cached === undefined) continue;
        const { page, stale } = applyToPage(cached, event, { status: statusFilter(query.queryKey) });
        if (page !== cached) queryClient.setQueryData<JobsPage>(query.queryKey, page);
        if (stale) void queryClient.invalidateQueries({ queryKey: query.queryKey, exact: true });
      }
    },
    onReconnect: () => void queryClient.invalidateQueries({ queryKey: jobKeys.all(workspaceId) }),
  });
}
