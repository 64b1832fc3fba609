import { keepPreviousData, queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components, operations } from '@/api/generated/schema';

export type ApiKey = components['schemas']['ApiKeyOut'];
export type ApiKeyCreate = components['schemas']['ApiKeyCreate'];
export type ApiKeyCreated = components['schemas']['ApiKeyCreated'];
export type ApiKeyListParams = NonNullable<
  operations['list_api_keys_api_v1_me_api_keys_get']['parameters']['query']
>;

export const apiKeyKeys = {
  all: ['me', 'api-keys'] as const,
  list: (params: ApiKeyListParams) => [...apiKeyKeys.all, 'list', params] as const,
};

export function apiKeysQuery(params: ApiKeyListParams) {
  return queryOptions({
    queryKey: apiKeyKeys.list(params),
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/me/api-keys', { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: ApiKeyCreate) => unwrap(await api.POST('/api/v1/me/api-keys', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.all }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (keyId: string) => {
      await api.DELETE('/api/v1/me/api-keys/{key_id}', { params: { path: { key_id: keyId } } });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.all }),
  });
}
