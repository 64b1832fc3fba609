/**
 * The draft's manifest (docs/reference/http-api.md, "Draft files and manifest"): read it with its
 * ETag, change it with a JSON merge patch (If-Match: that ETag; arrays replace wholesale; an
 * invalid result is a 400 listing each problem at its JSON path), and add a column in one
 * request (its module and its manifest entry together).
 */
import { queryOptions } from '@tanstack/react-query';

import { api } from '@/api/client';
import type { components } from '@/api/generated/schema';

import { editorKeys } from './drafts';

/** A JSON object as the API answers it (the manifest is free-form JSON in the schema). */
export type JsonObject = Record<string, unknown>;

export type ColumnCreate = components['schemas']['ColumnCreate'];
export type ColumnKind = ColumnCreate['kind'];

/** Every starting kind the API offers (the generated schema's enum; the check below keeps them equal). */
export const COLUMN_KINDS = ['text', 'email', 'phone', 'date', 'number', 'identifier'] as const satisfies readonly ColumnKind[];
type MissingKind = Exclude<ColumnKind, (typeof COLUMN_KINDS)[number]>;
/** Fails to compile when the API gains a kind the list above lacks. */
export const COLUMN_KINDS_COMPLETE: [MissingKind] extends [never] ? true : false = true;

/** The manifest and the ETag a change sends as If-Match. */
export interface LoadedManifest {
  manifest: JsonObject;
  etag: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loaded(data: unknown, response: Response): LoadedManifest {
  if (!isJsonObject(data)) throw new Error(`The manifest from ${response.url} is not a JSON object`);
  const etag = response.headers.get('ETag');
  if (etag === null) throw new Error(`No ETag in the answer from ${response.url}`);
  return { manifest: data, etag };
}

function where(workspaceId: string, configId: string) {
  return { workspace_id: workspaceId, config_id: configId };
}

export function draftManifestQuery(workspaceId: string, configId: string) {
  return queryOptions({
    queryKey: editorKeys.manifest(workspaceId, configId),
    queryFn: async ({ signal }) => {
      const { data, response } = await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/manifest', {
        params: { path: where(workspaceId, configId) },
        signal,
      });
      return loaded(data, response);
    },
  });
}

/** Apply a merge patch over the manifest `etag` names; stale answers 412, invalid 400 (ApiError). */
export async function patchDraftManifest(workspaceId: string, configId: string, patch: JsonObject, etag: string): Promise<LoadedManifest> {
  const { data, response } = await api.PATCH('/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/manifest', {
    params: { path: where(workspaceId, configId), header: { 'If-Match': etag } },
    body: patch,
    headers: { 'Content-Type': 'application/merge-patch+json' },
  });
  return loaded(data, response);
}

/** Add `columns/<field>.py` and its manifest entry; answers the new module's path. */
export async function addDraftColumn(workspaceId: string, configId: string, column: ColumnCreate): Promise<string> {
  const { data } = await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/columns', {
    params: { path: where(workspaceId, configId) },
    body: column,
  });
  const file = isJsonObject(data) ? data.file : undefined;
  return isJsonObject(file) && typeof file.path === 'string' ? file.path : `columns/${column.field}.py`;
}
