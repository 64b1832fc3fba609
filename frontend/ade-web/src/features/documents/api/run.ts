/** Running a document: the configs and versions to choose from, and submitting the job. */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components } from '@/api/generated/schema';

import { documentKeys } from './documents';

export type RunConfig = components['schemas']['ConfigOut'];
export type RunVersion = components['schemas']['VersionOut'];
export type JobSubmit = components['schemas']['JobSubmit'];

/** The workspace's configs that are not archived (the ones a run may use). */
export function runConfigsQuery(workspaceId: string) {
  return queryOptions({
    queryKey: [...documentKeys.runOptions(workspaceId), 'configs'] as const,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/configs', {
          params: { path: { workspace_id: workspaceId }, query: { page_size: 200 } },
          signal,
        }),
      ),
    select: (page) => page.items.filter((config) => !config.archived),
  });
}

/** A config's versions that can run (published or deprecated; a draft cannot), newest first. */
export function runVersionsQuery(workspaceId: string, configId: string) {
  return queryOptions({
    queryKey: [...documentKeys.runOptions(workspaceId), 'versions', configId] as const,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/versions', {
          params: { path: { workspace_id: workspaceId, config_id: configId }, query: { page_size: 200 } },
          signal,
        }),
      ),
    select: (page) => page.items.filter((version) => version.status !== 'draft'),
  });
}

/** Queue a job for a document; the document's page refreshes its jobs. */
export function useRunDocument(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: JobSubmit) =>
      unwrap(
        await api.POST('/api/v1/workspaces/{workspace_id}/jobs', {
          params: { path: { workspace_id: workspaceId } },
          body,
        }),
      ),
    onSuccess: (job) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: documentKeys.detail(workspaceId, job.document_id), exact: true }),
        queryClient.invalidateQueries({ queryKey: documentKeys.lists(workspaceId) }),
      ]),
  });
}
