import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { components } from '@/api/generated/schema';
import { end, startSession } from '@/lib/session';

export type User = components['schemas']['UserOut'];
export type LoginRequest = components['schemas']['LoginRequest'];

export const authKeys = {
  all: ['auth'] as const,
  me: () => [...authKeys.all, 'me'] as const,
};

export function meQuery() {
  return queryOptions({
    queryKey: authKeys.me(),
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/me', { signal })),
    staleTime: 5 * 60_000,
  });
}

/** The signed-in user (GET /me). */
export function useMe() {
  return useQuery(meQuery());
}

/** Sign in: exchange email and password for a token and start the session. */
export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: LoginRequest) => unwrap(await api.POST('/api/v1/auth/login', { body })),
    onSuccess: (token) => {
      queryClient.clear(); // nothing cached from another user's session
      startSession(token.access_token, token.expires_in);
    },
  });
}

/** Sign out: revoke the token on the server (best effort), then end the session here. */
export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await api.POST('/api/v1/auth/logout');
    },
    onSettled: () => {
      end('signed-out');
      queryClient.clear();
    },
  });
}
