import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components, operations } from '@/api/generated/schema';
import { uploadFile } from '@/api/upload';

export type Document = components['schemas']['DocumentOut'];
export type DocumentDetail = components['schemas']['DocumentDetail'];
export type DocumentJob = components['schemas']['DocumentJob'];
export type DocumentListParams = NonNullable<
  operations['list_documents_api_v1_workspaces__workspace_id__documents_get']['parameters']['query']
>;
export type DocumentPage = components['schemas']['Page_DocumentOut_'];

export const documentKeys = {
  all: (workspaceId: string) => ['workspaces', workspaceId, 'documents'] as const,
  lists: (workspaceId: string) => [...documentKeys.all(workspaceId), 'list'] as const,
  list: (workspaceId: string, params: DocumentListParams) => [...documentKeys.lists(workspaceId), params] as const,
  detail: (workspaceId: string, documentId: string) =>
    [...documentKeys.all(workspaceId), 'detail', documentId] as const,
  preview: (workspaceId: string, documentId: string, sheet: string | null, page: number) =>
    [...documentKeys.detail(workspaceId, documentId), 'preview', sheet, page] as const,
  artifact: (workspaceId: string, jobId: string) => [...documentKeys.all(workspaceId), 'artifact', jobId] as const,
  members: (workspaceId: string) => [...documentKeys.all(workspaceId), 'members'] as const,
  runOptions: (workspaceId: string) => [...documentKeys.all(workspaceId), 'run-options'] as const,
};

export function documentsQuery(workspaceId: string, params: DocumentListParams) {
  return queryOptions({
    queryKey: documentKeys.list(workspaceId, params),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/documents', {
          params: { path: { workspace_id: workspaceId }, query: params },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function documentQuery(workspaceId: string, documentId: string) {
  return queryOptions({
    queryKey: documentKeys.detail(workspaceId, documentId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/documents/{document_id}', {
          params: { path: { workspace_id: workspaceId, document_id: documentId } },
          signal,
        }),
      ),
  });
}

/** Upload one file with progress; the document it became. */
export function uploadDocument(
  workspaceId: string,
  file: File,
  options: { onProgress?: (loaded: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<Document> {
  return uploadFile('/api/v1/workspaces/{workspace_id}/documents', file, {
    params: { workspace_id: workspaceId },
    ...options,
  });
}

export function useDeleteDocument(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (documentId: string) => {
      await api.DELETE('/api/v1/workspaces/{workspace_id}/documents/{document_id}', {
        params: { path: { workspace_id: workspaceId, document_id: documentId } },
      });
      return documentId;
    },
    onSuccess: (documentId) => {
      queryClient.removeQueries({ queryKey: documentKeys.detail(workspaceId, documentId) });
      return queryClient.invalidateQueries({ queryKey: documentKeys.lists(workspaceId) });
    },
  });
}

/** The workspace's members by user id, to name who uploaded a document. */
export function membersByIdQuery(workspaceId: string) {
  return queryOptions({
    queryKey: documentKeys.members(workspaceId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/members', {
          params: { path: { workspace_id: workspaceId }, query: { page_size: 200 } },
          signal,
        }),
      ),
    select: (page) => new Map(page.items.map((m) => [m.user_id, m.display_name ?? m.email])),
    staleTime: 5 * 60_000,
  });
}
