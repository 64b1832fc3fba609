import { queryOptions, useMutation } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components } from '@/api/generated/schema';
import { saveBlob } from '@/lib/download';

import { readArtifact } from './artifact';

export type TableSummary = components['schemas']['TableOut'];

/** Rows of the output grid fetched at once (the API allows up to 1,000). */
export const OUTPUT_PAGE_ROWS = 200;
/** Issues listed (the first page of the Issues sheet). */
export const ISSUES_LIMIT = 500;

export const resultKeys = {
  all: (workspaceId: string, jobId: string) => ['workspaces', workspaceId, 'results', jobId] as const,
  artifact: (workspaceId: string, jobId: string) => [...resultKeys.all(workspaceId, jobId), 'artifact'] as const,
  tables: (workspaceId: string, jobId: string) => [...resultKeys.all(workspaceId, jobId), 'tables'] as const,
  rows: (workspaceId: string, jobId: string, sheet: string | null, offset: number, limit: number) =>
    [...resultKeys.all(workspaceId, jobId), 'rows', sheet, offset, limit] as const,
};

const path = (workspaceId: string, jobId: string) => ({ workspace_id: workspaceId, job_id: jobId });

/** The job's artifact.json, read into typed values. A finished job's results never change. */
export function artifactQuery(workspaceId: string, jobId: string) {
  return queryOptions({
    queryKey: resultKeys.artifact(workspaceId, jobId),
    queryFn: async ({ signal }) => {
      const text = unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/jobs/{job_id}/artifact', {
          params: { path: path(workspaceId, jobId) },
          parseAs: 'text',
          signal,
        }),
      );
      return readArtifact(JSON.parse(text));
    },
    staleTime: Infinity,
  });
}

/** The tables the engine found (the first 100; a workbook rarely has more). */
export function tablesQuery(workspaceId: string, jobId: string) {
  return queryOptions({
    queryKey: resultKeys.tables(workspaceId, jobId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/jobs/{job_id}/tables', {
          params: { path: path(workspaceId, jobId), query: { page_size: 100 } },
          signal,
        }),
      ),
    staleTime: Infinity,
  });
}

/** A page of a sheet of the output workbook (`sheet` null: the output sheet). */
export function outputRowsQuery(workspaceId: string, jobId: string, sheet: string | null, offset: number, limit: number) {
  return queryOptions({
    queryKey: resultKeys.rows(workspaceId, jobId, sheet, offset, limit),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/jobs/{job_id}/output/rows', {
          params: { path: path(workspaceId, jobId), query: { ...(sheet === null ? {} : { sheet }), offset, limit } },
          signal,
        }),
      ),
    staleTime: Infinity,
  });
}

export type DownloadKind = 'xlsx' | 'csv' | 'artifact';

async function fetchDownload(workspaceId: string, jobId: string, kind: DownloadKind): Promise<Blob> {
  if (kind === 'artifact') {
    return unwrap(
      await api.GET('/api/v1/workspaces/{workspace_id}/jobs/{job_id}/artifact', {
        params: { path: path(workspaceId, jobId) },
        parseAs: 'blob',
      }),
    );
  }
  return unwrap(
    await api.GET('/api/v1/workspaces/{workspace_id}/jobs/{job_id}/output', {
      params: { path: path(workspaceId, jobId), query: { format: kind } },
      parseAs: 'blob',
    }),
  );
}

/** The file name a download is saved as. */
export function downloadName(jobId: string, kind: DownloadKind): string {
  return kind === 'artifact' ? `${jobId}-artifact.json` : `${jobId}-normalized.${kind}`;
}

/** Download a result with the bearer token (fetch → blob → a saved file). */
export function useDownload(workspaceId: string, jobId: string) {
  return useMutation({
    mutationFn: async (kind: DownloadKind) => {
      saveBlob(await fetchDownload(workspaceId, jobId, kind), downloadName(jobId, kind));
      return kind;
    },
  });
}
