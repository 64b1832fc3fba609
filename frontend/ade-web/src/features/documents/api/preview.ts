/** The source preview's pages and the artifact whose decisions annotate it. */
import { queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components } from '@/api/generated/schema';

import { annotationsFromArtifact } from '../preview/annotations';
import { pageRange } from '../preview/paging';
import { documentKeys } from './documents';

export type RowsPage = components['schemas']['RowsPage'];
export type SheetSummary = components['schemas']['SheetSummary'];

/**
 * One page of a sheet's rows (`sheet` null: the first sheet). The source never changes, so a
 * page fetched once stays good.
 */
export function previewPageQuery(workspaceId: string, documentId: string, sheet: string | null, page: number) {
  const { offset, limit } = pageRange(page);
  return queryOptions({
    queryKey: documentKeys.preview(workspaceId, documentId, sheet, page),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/documents/{document_id}/preview', {
          params: {
            path: { workspace_id: workspaceId, document_id: documentId },
            query: { offset, limit, ...(sheet === null ? {} : { sheet }) },
          },
          signal,
        }),
      ),
    staleTime: Infinity,
  });
}

/** A job's artifact.json, shaped into each sheet's tables and row decisions. */
export function artifactAnnotationsQuery(workspaceId: string, jobId: string) {
  return queryOptions({
    queryKey: documentKeys.artifact(workspaceId, jobId),
    queryFn: async ({ signal }) => {
      const { response } = await api.GET('/api/v1/workspaces/{workspace_id}/jobs/{job_id}/artifact', {
        params: { path: { workspace_id: workspaceId, job_id: jobId } },
        parseAs: 'stream',
        signal,
      });
      const body: unknown = await response.json();
      return annotationsFromArtifact(body);
    },
    staleTime: Infinity,
  });
}
