import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { ApiError } from '@/api/errors';
import { problemSlug } from '@/api/formErrors';
import type { components } from '@/api/generated/schema';
import { startSession } from '@/lib/session';

export type SetupRequest = components['schemas']['SetupRequest'];
export type SetupField = 'token' | 'email' | 'password' | 'display_name';
export const SETUP_FIELDS: readonly SetupField[] = ['token', 'email', 'password', 'display_name'];

export const setupKeys = {
  all: ['setup'] as const,
  status: () => [...setupKeys.all, 'status'] as const,
};

/** Whether the installation still needs its first admin (GET /setup, no sign-in needed). */
export function setupStatusQuery() {
  return queryOptions({
    queryKey: setupKeys.status(),
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/setup', { signal })),
    staleTime: 30_000,
  });
}

/** Where a setup problem without field errors belongs: a wrong token at the token field. */
export function placeSetupProblem(error: ApiError): SetupField | null {
  const slug = problemSlug(error);
  if (slug === 'setup-token-invalid') return 'token';
  if (slug === 'conflict') return 'email';
  return null;
}

/** Create the first admin with the setup token; the answer signs them in. */
export function useCompleteSetup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: SetupRequest) => unwrap(await api.POST('/api/v1/setup', { body })),
    onSuccess: (done) => {
      queryClient.clear();
      startSession(done.access_token, done.expires_in);
    },
  });
}
