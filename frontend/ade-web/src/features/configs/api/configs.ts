import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components, operations } from '@/api/generated/schema';

export type Config = components['schemas']['ConfigOut'];
export type ConfigVersion = components['schemas']['VersionOut'];
export type PublishRequest = components['schemas']['PublishRequest'];
export type ConfigCreate = components['schemas']['ConfigCreate'];
export type ConfigDuplicate = components['schemas']['ConfigDuplicate'];
export type ConfigListParams = NonNullable<
  operations['list_configs_api_v1_workspaces__workspace_id__configs_get']['parameters']['query']
>;

export const configKeys = {
  all: (workspaceId: string) => ['workspaces', workspaceId, 'configs'] as const,
  list: (workspaceId: string, params: ConfigListParams) => [...configKeys.all(workspaceId), 'list', params] as const,
  detail: (workspaceId: string, configId: string) => [...configKeys.all(workspaceId), 'detail', configId] as const,
  versions: (workspaceId: string, configId: string) => [...configKeys.detail(workspaceId, configId), 'versions'] as const,
  version: (workspaceId: string, configId: string, versionId: string) =>
    [...configKeys.versions(workspaceId, configId), versionId] as const,
};

export function configsQuery(workspaceId: string, params: ConfigListParams) {
  return queryOptions({
    queryKey: configKeys.list(workspaceId, params),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/configs', {
          params: { path: { workspace_id: workspaceId }, query: params },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** A config's history, newest first (one page of 50 is plenty for a dialog). */
export function versionsQuery(workspaceId: string, configId: string) {
  return queryOptions({
    queryKey: configKeys.versions(workspaceId, configId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/versions', {
          params: {
            path: { workspace_id: workspaceId, config_id: configId },
            query: { page_size: 50, sort: '-created_at' },
          },
          signal,
        }),
      ),
  });
}

/** One version of a config (e.g. the one a job ran with: its semver). */
export function versionQuery(workspaceId: string, configId: string, versionId: string) {
  return queryOptions({
    queryKey: configKeys.version(workspaceId, configId, versionId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/versions/{version_id}', {
          params: { path: { workspace_id: workspaceId, config_id: configId, version_id: versionId } },
          signal,
        }),
      ),
    staleTime: Infinity, // a published version's semver never changes
  });
}

const configPath = (workspaceId: string, configId: string) => ({
  params: { path: { workspace_id: workspaceId, config_id: configId } },
});

/** A mutation on the workspace's configs that refreshes every config query when it succeeds. */
function useConfigMutation<Input, Output>(workspaceId: string, run: (input: Input) => Promise<Output>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: configKeys.all(workspaceId) }),
  });
}

/** A new config whose draft starts from the roster template (`example`) or blank (`empty`). */
export function useCreateConfig(workspaceId: string) {
  return useConfigMutation(workspaceId, async (body: ConfigCreate) =>
    unwrap(await api.POST('/api/v1/workspaces/{workspace_id}/configs', { params: { path: { workspace_id: workspaceId } }, body })),
  );
}

/** A new config whose draft holds a copy of another's draft (or of one of its versions). */
export function useDuplicateConfig(workspaceId: string) {
  return useConfigMutation(workspaceId, async ({ configId, body }: { configId: string; body: ConfigDuplicate }) =>
    unwrap(
      await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}:duplicate', {
        ...configPath(workspaceId, configId),
        body,
      }),
    ),
  );
}

export interface ImportConfigInput {
  file: File;
  slug: string;
  title?: string;
}

/** Create a config from a package zip (multipart: `file`, `slug`, optional `title`). */
export function useImportConfig(workspaceId: string) {
  return useConfigMutation(workspaceId, async ({ file, slug, title }: ImportConfigInput) =>
    unwrap(
      await api.POST('/api/v1/workspaces/{workspace_id}/configs:import', {
        params: { path: { workspace_id: workspaceId } },
        // The typed body names the fields; the serializer sends the File itself.
        body: { file: file.name, slug, ...(title ? { title } : {}) },
        bodySerializer: (fields) => {
          const form = new FormData();
          form.append('file', file);
          form.append('slug', fields.slug);
          if (fields.title) form.append('title', fields.title);
          return form;
        },
      }),
    ),
  );
}

export function usePublishConfig(workspaceId: string) {
  return useConfigMutation(workspaceId, async ({ configId, body }: { configId: string; body: PublishRequest }) =>
    unwrap(
      await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}/publish', {
        ...configPath(workspaceId, configId),
        body,
      }),
    ),
  );
}

export function useActivateConfig(workspaceId: string) {
  return useConfigMutation(workspaceId, async (configId: string) =>
    unwrap(
      await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}:activate', configPath(workspaceId, configId)),
    ),
  );
}

export function useArchiveConfig(workspaceId: string) {
  return useConfigMutation(workspaceId, async (configId: string) =>
    unwrap(await api.DELETE('/api/v1/workspaces/{workspace_id}/configs/{config_id}', configPath(workspaceId, configId))),
  );
}

export function useUnarchiveConfig(workspaceId: string) {
  return useConfigMutation(workspaceId, async (configId: string) =>
    unwrap(
      await api.POST('/api/v1/workspaces/{workspace_id}/configs/{config_id}:unarchive', configPath(workspaceId, configId)),
    ),
  );
}

/** The draft (or a version) as a zip, with the file name the server gave it. */
export async function exportConfig(
  workspaceId: string,
  config: Pick<Config, 'id' | 'slug'>,
  versionId?: string,
): Promise<{ blob: Blob; fileName: string }> {
  const result = await api.GET('/api/v1/workspaces/{workspace_id}/configs/{config_id}/export', {
    params: {
      path: { workspace_id: workspaceId, config_id: config.id },
      query: versionId ? { version_id: versionId } : {},
    },
    parseAs: 'blob',
  });
  const disposition = result.response.headers.get('Content-Disposition') ?? '';
  const named = /filename="([^"]+)"/.exec(disposition)?.[1];
  return { blob: unwrap(result), fileName: named ?? `${config.slug}-${versionId ?? 'draft'}.zip` };
}
