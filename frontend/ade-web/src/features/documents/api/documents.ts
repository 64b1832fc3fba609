import { keepPreviousData, queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components, operations } from '@/api/generated/schema';

export type Document = components['schemas']['DocumentOut'];
export type DocumentDetail = components['schemas']['DocumentDetail'];
export type DocumentListParams = NonNullable<
  operations['list_documents_api_v1_workspaces__workspace_id__documents_get']['parameters']['query']
>;

export const documentKeys = {
  all: (workspaceId: string) => ['workspaces', workspaceId, 'documents'] as const,
  list: (workspaceId: string, params: DocumentListParams) =>
    [...documentKeys.all(workspaceId), 'list', params] as const,
  detail: (workspaceId: string, documentId: string) =>
    [...documentKeys.all(workspaceId), 'detail', documentId] as const,
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
