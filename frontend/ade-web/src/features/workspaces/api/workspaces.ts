import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components, operations } from '@/api/generated/schema';

export type Workspace = components['schemas']['WorkspaceOut'];
export type WorkspaceCreate = components['schemas']['WorkspaceCreate'];
export type WorkspaceRole = components['schemas']['WorkspaceRole'];
export type Member = components['schemas']['MemberOut'];

export type MemberListParams = NonNullable<
  operations['list_members_api_v1_workspaces__workspace_id__members_get']['parameters']['query']
>;

export const workspaceKeys = {
  all: ['workspaces'] as const,
  list: () => [...workspaceKeys.all, 'list'] as const,
  detail: (workspaceId: string) => [...workspaceKeys.all, 'detail', workspaceId] as const,
  members: (workspaceId: string, params: MemberListParams = {}) =>
    [...workspaceKeys.detail(workspaceId), 'members', params] as const,
};

/** Every workspace the user belongs to (the switcher lists them all). */
export function workspacesQuery() {
  return queryOptions({
    queryKey: workspaceKeys.list(),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/workspaces', { params: { query: { page_size: 200 } }, signal })),
  });
}

export function workspaceQuery(workspaceId: string) {
  return queryOptions({
    queryKey: workspaceKeys.detail(workspaceId),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}', {
          params: { path: { workspace_id: workspaceId } },
          signal,
        }),
      ),
  });
}

export function membersQuery(workspaceId: string, params: MemberListParams = {}) {
  return queryOptions({
    queryKey: workspaceKeys.members(workspaceId, params),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET('/api/v1/workspaces/{workspace_id}/members', {
          params: { path: { workspace_id: workspaceId }, query: params },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export const useWorkspaces = () => useQuery(workspacesQuery());
export const useWorkspace = (workspaceId: string) => useQuery(workspaceQuery(workspaceId));

export function useCreateWorkspace() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: WorkspaceCreate) => unwrap(await api.POST('/api/v1/workspaces', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: workspaceKeys.list() }),
  });
}
