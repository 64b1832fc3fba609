import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components, operations } from '@/api/generated/schema';

export type Job = components['schemas']['JobOut'];
export type JobStatus = components['schemas']['JobStatus'];
export type JobEvent = components['schemas']['JobEventOut'];
export type JobListParams = NonNullable<
  operations['list_jobs_api_v1_workspaces__workspace_id__jobs_get']['parameters']['query']
>;

export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** A status read from the URL, if it is one. */
export function asJobStatus(value: string | null): JobStatus | undefined {
  return JOB_STATUSES.find((status) => status === value);
}

export const jobKeys = {
  all: (workspaceId: string) => ['workspaces', workspaceId, 'jobs'] as const,
  list: (workspaceId: string, params: JobListParams) => [...jobKeys.all(workspaceId), 'list', params] as const,
  detail: (workspaceId: string, jobId: string) => [...jobKeys.all(workspaceId), 'detail', jobId] as const,
  events: (workspaceId: string, jobId: string) => [...jobKeys.detail(workspaceId, jobId), 'events'] as const,
};

export function jobsQuery(workspaceId: string, params: JobListParams) {
  return queryOptions({
    queryKey: jobKeys.list(workspaceId, params),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/jobs', {
          params: { path: { workspace_id: workspaceId }, query: params },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function jobQuery(workspaceId: string, jobId: string) {
  return queryOptions({
    queryKey: jobKeys.detail(workspaceId, jobId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/jobs/{job_id}', {
          params: { path: { workspace_id: workspaceId, job_id: jobId } },
          signal,
        }),
      ),
  });
}

/** The job's timeline so far (the live stream continues from its last `seq`). */
export function jobEventsQuery(workspaceId: string, jobId: string) {
  return queryOptions({
    queryKey: jobKeys.events(workspaceId, jobId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/jobs/{job_id}/events', {
          params: { path: { workspace_id: workspaceId, job_id: jobId }, query: { page_size: 200 } },
          signal,
        }),
      ),
  });
}

/** The SSE url of a job's timeline (for useEventStream). */
export function jobEventsUrl(workspaceId: string, jobId: string): string {
  return `/api/v1/workspaces/${encodeURIComponent(workspaceId)}/jobs/${encodeURIComponent(jobId)}/events`;
}

/** What a role may do to a job in this status. */
export function canCancel(status: JobStatus): boolean {
  return status === 'queued' || status === 'running';
}
export function canRetry(status: JobStatus): boolean {
  return status === 'failed' || status === 'cancelled';
}

function useJobAction(workspaceId: string, action: ':cancel' | ':retry') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (jobId: string) => {
      const params = { path: { workspace_id: workspaceId, job_id: jobId } };
      return unwrap(
        action === ':cancel'
          ? await api.POST('/api/v1/workspaces/{workspace_id}/jobs/{job_id}:cancel', { params })
          : await api.POST('/api/v1/workspaces/{workspace_id}/jobs/{job_id}:retry', { params }),
      );
    },
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(workspaceId, job.id), job);
      return queryClient.invalidateQueries({ queryKey: jobKeys.all(workspaceId) });
    },
  });
}

/** Cancel a queued or running job (editors and owners). */
export function useCancelJob(workspaceId: string) {
  return useJobAction(workspaceId, ':cancel');
}

/** Queue a failed or cancelled job again (editors and owners). */
export function useRetryJob(workspaceId: string) {
  return useJobAction(workspaceId, ':retry');
}
