import { keepPreviousData, queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components, operations } from '@/api/generated/schema';

export type Config = components['schemas']['ConfigOut'];
export type ConfigListParams = NonNullable<
  operations['list_configs_api_v1_workspaces__workspace_id__configs_get']['parameters']['query']
>;

export const configKeys = {
  all: (workspaceId: string) => ['workspaces', workspaceId, 'configs'] as const,
  list: (workspaceId: string, params: ConfigListParams) => [...configKeys.all(workspaceId), 'list', params] as const,
  detail: (workspaceId: string, configId: string) => [...configKeys.all(workspaceId), 'detail', configId] as const,
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
