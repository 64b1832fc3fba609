/**
 * The draft API the editor works on (docs/reference/http-api.md, "Draft files and manifest"):
 * files with ETags (every write sends If-Match; a stale one answers 412) and the plan.
 */
import { queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components } from '@/api/generated/schema';

export type EditorConfig = components['schemas']['ConfigOut'];
export type DraftFileInfo = components['schemas']['FileInfo'];
export type Plan = components['schemas']['PlanOut'];
export type PlanProblem = components['schemas']['PlanProblem'];

/** A file's text and the ETag to send back when saving it. */
export interface DraftFile {
  path: string;
  code: string;
  etag: string;
}

export const editorKeys = {
  all: (workspaceId: string, configId: string) => ['workspaces', workspaceId, 'configs', 'editor', configId] as const,
  config: (workspaceId: string, configId: string) => [...editorKeys.all(workspaceId, configId), 'config'] as const,
  files: (workspaceId: string, configId: string) => [...editorKeys.all(workspaceId, configId), 'files'] as const,
  file: (workspaceId: string, configId: string, path: string) => [...editorKeys.files(workspaceId, configId), path] as const,
  plan: (workspaceId: string, configId: string) => [...editorKeys.all(workspaceId, configId), 'plan'] as const,
  manifest: (workspaceId: string, configId: string) => [...editorKeys.all(workspaceId, configId), 'manifest'] as const,
};

const PAGE_SIZE = 200;

function where(workspaceId: string, configId: string) {
  return { workspace_id: workspaceId, config_id: configId };
}

function etagOf(response: Response): string {
  // Every answer naming one file carries it; `*` would overwrite blindly, so never fall back.
  const etag = response.headers.get('ETag');
  if (etag === null) throw new Error(`No ETag in the answer from ${response.url}`);
  return etag;
}

export function editorConfigQuery(workspaceId: string, configId: string) {
  return queryOptions({
    queryKey: editorKeys.config(workspaceId, configId),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}', { params: { path: where(workspaceId, configId) }, signal })),
  });
}

/** Every file of the draft (all pages), sorted by path. */
export function draftFilesQuery(workspaceId: string, configId: string) {
  return queryOptions({
    queryKey: editorKeys.files(workspaceId, configId),
    queryFn: async ({ signal }) => {
      const files: DraftFileInfo[] = [];
      for (let page = 1; ; page += 1) {
        const data = unwrap(
          await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/files', {
            params: { path: where(workspaceId, configId), query: { page, page_size: PAGE_SIZE } },
            signal,
          }),
        );
        files.push(...data.items);
        if (files.length >= data.total || data.items.length === 0) return files;
      }
    },
  });
}

/** One file with its ETag; always read fresh (the editor keeps its own copy once open). */
export function draftFileQuery(workspaceId: string, configId: string, path: string) {
  return queryOptions({
    queryKey: editorKeys.file(workspaceId, configId, path),
    queryFn: async ({ signal }): Promise<DraftFile> => {
      const result = await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/files/{path}', {
        params: { path: { ...where(workspaceId, configId), path } },
        signal,
      });
      const file = unwrap(result);
      return { path: file.path, code: file.code, etag: etagOf(result.response) };
    },
    staleTime: 0,
    gcTime: 0,
  });
}

/** Save a file over the version `etag` names; a newer one on the server answers 412 (ApiError). */
export async function saveDraftFile(workspaceId: string, configId: string, path: string, code: string, etag: string): Promise<string> {
  const result = await api.PUT('/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/files/{path}', {
    params: { path: { ...where(workspaceId, configId), path }, header: { 'If-Match': etag } },
    body: { code },
  });
  unwrap(result);
  return etagOf(result.response);
}

/** Create a file; without `code` the server scaffolds it (a new column also joins the manifest). */
export async function createDraftFile(workspaceId: string, configId: string, path: string, code?: string): Promise<string> {
  const result = await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/files', {
    params: { path: where(workspaceId, configId) },
    body: code === undefined ? { path } : { path, code },
  });
  unwrap(result);
  return etagOf(result.response);
}

export async function deleteDraftFile(workspaceId: string, configId: string, path: string, etag: string): Promise<void> {
  await api.DELETE('/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/files/{path}', {
    params: { path: { ...where(workspaceId, configId), path }, header: { 'If-Match': etag } },
  });
}

/** The draft checked in the sandbox: problems at file and line (editors only). */
export function draftPlanQuery(workspaceId: string, configId: string) {
  return queryOptions({
    queryKey: editorKeys.plan(workspaceId, configId),
    queryFn: async ({ signal }) =>
      unwrap(await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft:plan', { params: { path: where(workspaceId, configId) }, signal })),
    staleTime: 0,
  });
}
