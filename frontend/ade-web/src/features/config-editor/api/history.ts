/**
 * A config's history as the editor shows it (docs/reference/http-api.md, "Configs and
 * versions"): every version, the diff between two of them (or one and the draft), publishing
 * the draft, reverting to a deprecated version and restoring any version into the draft.
 */
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components } from '@/api/generated/schema';

import { editorKeys } from './drafts';

export type Version = components['schemas']['VersionOut'];
export type VersionDiff = components['schemas']['VersionDiff'];
export type FileChange = components['schemas']['FileChange'];
export type PublishRequest = components['schemas']['PublishRequest'];
export type RevertOut = components['schemas']['RevertOut'];
export type Member = components['schemas']['MemberOut'];

/** One side of a diff: a version id, or the draft. */
export const DRAFT = 'draft';

export const historyKeys = {
  versions: (workspaceId: string, configId: string) => [...editorKeys.all(workspaceId, configId), 'versions'] as const,
  diff: (workspaceId: string, configId: string, from: string, to: string) =>
    [...editorKeys.all(workspaceId, configId), 'diff', from, to] as const,
  members: (workspaceId: string) => ['workspaces', workspaceId, 'editor-members'] as const,
};

/** The prefix of every config query of the workspace (the configs list, a config's versions,
 * the editor's config, files, plan and history): what publishing or a new draft changes. */
const workspaceConfigs = (workspaceId: string) => ['workspaces', workspaceId, 'configs'] as const;

const PAGE_SIZE = 200;

function where(workspaceId: string, configId: string) {
  return { workspace_id: workspaceId, config_id: configId };
}

/** Every version of the config, newest first: the draft, the published, deprecated and discarded ones. */
export function historyQuery(workspaceId: string, configId: string) {
  return queryOptions({
    queryKey: historyKeys.versions(workspaceId, configId),
    queryFn: async ({ signal }) => {
      const versions: Version[] = [];
      for (let page = 1; ; page += 1) {
        const data = unwrap(
          await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/versions', {
            params: { path: where(workspaceId, configId), query: { page, page_size: PAGE_SIZE, sort: '-created_at' } },
            signal,
          }),
        );
        versions.push(...data.items);
        if (versions.length >= data.total || data.items.length === 0) return versions;
      }
    },
    staleTime: 0, // the draft's files_hash changes with every save
  });
}

/** The files that differ from `from` to `to` (version ids or `draft`), with both texts. */
export function diffQuery(workspaceId: string, configId: string, from: string, to: string) {
  return queryOptions({
    queryKey: historyKeys.diff(workspaceId, configId, from, to),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/diff', {
          params: { path: where(workspaceId, configId), query: { from, to } },
          signal,
        }),
      ),
    // A side that is the draft changes with every save; versions never change.
    staleTime: from === DRAFT || to === DRAFT ? 0 : Infinity,
  });
}

/** The workspace's members, to name who published a version (ids otherwise). */
export function membersQuery(workspaceId: string) {
  return queryOptions({
    queryKey: historyKeys.members(workspaceId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/members', {
          params: { path: { workspace_id: workspaceId }, query: { page_size: PAGE_SIZE } },
          signal,
        }),
      ).items,
    staleTime: 5 * 60_000,
  });
}

/** A change to the config's versions or draft that refreshes every config query once it worked. */
function useHistoryMutation<Input, Output>(workspaceId: string, run: (input: Input) => Promise<Output>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: workspaceConfigs(workspaceId) }),
  });
}

/** Publish the draft as a new immutable version (the published one becomes deprecated). */
export function usePublish(workspaceId: string, configId: string) {
  return useHistoryMutation(workspaceId, async (body: PublishRequest) =>
    unwrap(
      await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}/publish', {
        params: { path: where(workspaceId, configId) },
        body,
      }),
    ),
  );
}

/** Publish a deprecated version again; its files become the draft (a lost draft is kept first). */
export function useRevert(workspaceId: string, configId: string) {
  return useHistoryMutation(workspaceId, async (versionId: string) =>
    unwrap(
      await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}/revert', {
        params: { path: where(workspaceId, configId) },
        body: { version_id: versionId },
      }),
    ),
  );
}

/** Copy any version's files into the draft (a lost draft is kept first); publishes nothing. */
export function useRestore(workspaceId: string, configId: string) {
  return useHistoryMutation(workspaceId, async (versionId: string) =>
    unwrap(
      await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}/versions/{version_id}:restore', {
        params: { path: { ...where(workspaceId, configId), version_id: versionId } },
      }),
    ),
  );
}
