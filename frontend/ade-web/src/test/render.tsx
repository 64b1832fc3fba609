import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createMemoryRouter, MemoryRouter, RouterProvider } from 'react-router';

import { Providers } from '@/app/Providers';
import { routes } from '@/app/routes';
import { startSession } from '@/lib/session';

/** A fresh QueryClient per test: no cache shared between tests, no retries hiding errors. */
export function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } } });
}

/** Render a component with the app's providers and a router at `route`. */
export function renderWithProviders(ui: ReactElement, { route = '/' }: { route?: string } = {}) {
  const queryClient = testQueryClient();
  return {
    queryClient,
    ...render(
      <Providers queryClient={queryClient}>
        <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
      </Providers>,
    ),
  };
}

/** Render the whole app (its real route table) at `path`. */
export function renderApp(path: string) {
  const queryClient = testQueryClient();
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  return {
    queryClient,
    router,
    ...render(
      <Providers queryClient={queryClient}>
        <RouterProvider router={router} />
      </Providers>,
    ),
  };
}

/** Start a signed-in session (as after a login) with a test token. */
export function signIn(token = 'test-token', expiresIn = 3600): void {
  startSession(token, expiresIn);
}
