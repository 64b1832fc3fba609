/**
 * The dry run (docs/reference/http-api.md, "Plan and dry-run"): the draft run in the sandbox on
 * one of the workspace's documents, its preview workbook as rows and as a download, and the
 * documents to pick from (a small query of its own: features never import each other).
 */
import { keepPreviousData, queryOptions, skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components } from '@/api/generated/schema';
import { uploadFile } from '@/api/upload';
import { saveBlob } from '@/lib/download';

import { editorKeys } from './drafts';

export type DryRun = components['schemas']['DryRunOut'];
export type DryRunTable = components['schemas']['TablePreview'];
export type DryRunLog = components['schemas']['LogLine'];
export type PickableDocument = components['schemas']['DocumentOut'];

/** Rows of the output preview shown (one page; the download has them all). */
export const PREVIEW_ROWS = 200;
/** Documents offered at once; the search narrows them. */
const DOCUMENT_CHOICES = 50;

export const dryRunKeys = {
  documents: (workspaceId: string, search: string) => ['workspaces', workspaceId, 'documents', 'list', 'dry-run', search] as const,
  document: (workspaceId: string, documentId: string) => ['workspaces', workspaceId, 'documents', 'detail', documentId] as const,
  latest: (workspaceId: string, configId: string) => [...editorKeys.all(workspaceId, configId), 'dry-run', 'latest'] as const,
  rows: (workspaceId: string, configId: string, runId: string) => [...editorKeys.all(workspaceId, configId), 'dry-run', runId, 'rows'] as const,
};

/** The workspace's newest documents whose name contains `search`. */
export function pickableDocumentsQuery(workspaceId: string, search: string) {
  return queryOptions({
    queryKey: dryRunKeys.documents(workspaceId, search),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/documents', {
          params: {
            path: { workspace_id: workspaceId },
            query: { page_size: DOCUMENT_CHOICES, sort: '-created_at', ...(search ? { q: search } : {}) },
          },
          signal,
        }),
      ).items,
    placeholderData: keepPreviousData,
  });
}

/** One document (the selected one, which the search may not list). */
export function pickedDocumentQuery(workspaceId: string, documentId: string) {
  return queryOptions({
    queryKey: dryRunKeys.document(workspaceId, documentId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/documents/{document_id}', {
          params: { path: { workspace_id: workspaceId, document_id: documentId } },
          signal,
        }),
      ),
  });
}

/** Upload a document to the workspace (to run the draft on it). */
export function uploadDocument(workspaceId: string, file: File): Promise<PickableDocument> {
  return uploadFile('/api/v1/workspaces/{workspace_id}/documents', file, { params: { workspace_id: workspaceId } });
}

/** The config's most recent dry run in this tab: put in the cache by `useDryRun`, never fetched. */
export function latestDryRunQuery(workspaceId: string, configId: string) {
  return queryOptions<DryRun>({ queryKey: dryRunKeys.latest(workspaceId, configId), queryFn: skipToken, staleTime: Infinity, gcTime: 30 * 60_000 });
}

/**
 * Run the draft (as saved) on a document. The latest answer stays in the query cache, so it is
 * still there after a trip to another view (and replaced by the next run).
 */
export function useDryRun(workspaceId: string, configId: string) {
  const queryClient = useQueryClient();
  const latest = useQuery(latestDryRunQuery(workspaceId, configId));
  const mutation = useMutation({
    mutationFn: async (documentId: string) =>
      unwrap(
        await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft:dry-run', {
          params: { path: { workspace_id: workspaceId, config_id: configId } },
          body: { document_id: documentId },
        }),
      ),
    onMutate: () => queryClient.removeQueries({ queryKey: dryRunKeys.latest(workspaceId, configId), exact: true }),
    onSuccess: (run) => queryClient.setQueryData(latestDryRunQuery(workspaceId, configId).queryKey, run),
  });
  return { run: mutation.mutate, pending: mutation.isPending, data: latest.data, error: mutation.error };
}

/** The first rows of a dry run's preview workbook (its output sheet). A run's output never changes. */
export function dryRunRowsQuery(workspaceId: string, configId: string, runId: string) {
  return queryOptions({
    queryKey: dryRunKeys.rows(workspaceId, configId, runId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/dry-runs/{run_id}/output/rows', {
          params: { path: { workspace_id: workspaceId, config_id: configId, run_id: runId }, query: { limit: PREVIEW_ROWS } },
          signal,
        }),
      ),
    staleTime: Infinity,
    retry: false,
  });
}

/** Download a dry run's preview workbook (with the token, so through the client). */
export function useDryRunDownload(workspaceId: string, configId: string) {
  return useMutation({
    mutationFn: async ({ runId, filename }: { runId: string; filename: string }) => {
      const blob = unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/dry-runs/{run_id}/output', {
          params: { path: { workspace_id: workspaceId, config_id: configId, run_id: runId } },
          parseAs: 'blob',
        }),
      );
      saveBlob(blob, filename);
    },
  });
}
