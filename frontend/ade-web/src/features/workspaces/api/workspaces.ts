import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components, operations } from '@/api/generated/schema';

export type Workspace = components['schemas']['WorkspaceOut'];
export type WorkspaceCreate = components['schemas']['WorkspaceCreate'];
export type WorkspaceRole = components['schemas']['WorkspaceRole'];
export type WorkspaceUpdate = components['schemas']['WorkspaceUpdate'];
export type Member = components['schemas']['MemberOut'];
export type MemberCreate = components['schemas']['MemberCreate'];

/** The roles, lowest first, as a person reads them. */
export const ROLE_OPTIONS: { value: WorkspaceRole; label: string }[] = [
  { value: 'viewer', label: 'Viewer' },
  { value: 'editor', label: 'Editor' },
  { value: 'owner', label: 'Owner' },
];

export function isRole(value: string): value is WorkspaceRole {
  return ROLE_OPTIONS.some((option) => option.value === value);
}

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

/** Rename a workspace (owners). Every cached copy of it (list, detail) is refreshed. */
export function useUpdateWorkspace(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: WorkspaceUpdate) =>
      unwrap(
        await api.PATCH('/api/v1/workspaces/{workspace_id}', {
          params: { path: { workspace_id: workspaceId } },
          body,
        }),
      ),
    onSuccess: (workspace) => {
      queryClient.setQueryData(workspaceKeys.detail(workspaceId), workspace);
      return queryClient.invalidateQueries({ queryKey: workspaceKeys.list() });
    },
  });
}

/** Delete a workspace and everything in it (owners). */
export function useDeleteWorkspace(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await api.DELETE('/api/v1/workspaces/{workspace_id}', { params: { path: { workspace_id: workspaceId } } });
    },
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: workspaceKeys.detail(workspaceId) });
      return queryClient.invalidateQueries({ queryKey: workspaceKeys.list() });
    },
  });
}

/** After a membership change: the members, and the workspace itself (your own role may change). */
function useInvalidateWorkspace(workspaceId: string) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: workspaceKeys.detail(workspaceId) }),
      queryClient.invalidateQueries({ queryKey: workspaceKeys.list() }),
    ]);
}

/** Add an existing user by email with a role (owners). */
export function useAddMember(workspaceId: string) {
  const invalidate = useInvalidateWorkspace(workspaceId);
  return useMutation({
    mutationFn: async (body: MemberCreate) =>
      unwrap(
        await api.POST('/api/v1/workspaces/{workspace_id}/members', {
          params: { path: { workspace_id: workspaceId } },
          body,
        }),
      ),
    onSuccess: invalidate,
  });
}

/** Change a member's role (owners); the last owner cannot be demoted (409). */
export function useUpdateMember(workspaceId: string) {
  const invalidate = useInvalidateWorkspace(workspaceId);
  return useMutation({
    mutationFn: async ({ userId, role }: { userId: string; role: WorkspaceRole }) =>
      unwrap(
        await api.PATCH('/api/v1/workspaces/{workspace_id}/members/{user_id}', {
          params: { path: { workspace_id: workspaceId, user_id: userId } },
          body: { role },
        }),
      ),
    onSuccess: invalidate,
  });
}

/** Remove a member (owners) or leave yourself; the last owner cannot go (409). */
export function useRemoveMember(workspaceId: string) {
  const invalidate = useInvalidateWorkspace(workspaceId);
  return useMutation({
    mutationFn: async (userId: string) => {
      await api.DELETE('/api/v1/workspaces/{workspace_id}/members/{user_id}', {
        params: { path: { workspace_id: workspaceId, user_id: userId } },
      });
    },
    onSuccess: invalidate,
  });
}
