import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { getToken } from '@/lib/session';
import { expectNoAxeViolations } from '@/test/axe';
import { document, page, user, workspace } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderApp, signIn } from '@/test/render';
import { server } from '@/test/server';

import { safeNext } from './routes/SignInPage';

function workspaceApi() {
  server.use(
    handle('get', '/api/v1/me', () => user()),
    handle('get', '/api/v1/workspaces', () => page([workspace()])),
    handle('get', '/api/v1/workspaces/{workspace_id}', ({ params }) =>
      params.workspace_id === 'W1' ? workspace() : problem(404, 'No such workspace.'),
    ),
    handle('get', '/api/v1/workspaces/{workspace_id}/documents', () => page([document()])),
  );
}

describe('signing in', () => {
  it('sends a signed-out visitor to sign-in and back to the page afterwards', async () => {
    workspaceApi();
    let body: unknown;
    server.use(
      handle('post', '/api/v1/auth/login', async ({ request }) => {
        body = await request.json();
        return { access_token: 'fresh', token_type: 'bearer' as const, expires_in: 3600 };
      }),
    );
    const { router } = renderApp('/w/W1/documents?q=roster');
    expect(await screen.findByRole('heading', { name: 'Sign in to ADE' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/sign-in');
    expect(router.state.location.search).toBe(`?next=${encodeURIComponent('/w/W1/documents?q=roster')}`);

    await userEvent.type(screen.getByLabelText('Email'), 'ada@example.org');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Documents' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/w/W1/documents');
    expect(router.state.location.search).toBe('?q=roster');
    expect(body).toEqual({ email: 'ada@example.org', password: 'correct horse' });
    expect(getToken()).toBe('fresh');
    expect(await screen.findByRole('link', { name: /roster\.xlsx/ })).toBeInTheDocument();
  });

  it('shows a wrong password as a message and stays on sign-in', async () => {
    server.use(handle('post', '/api/v1/auth/login', () => problem(401, 'Wrong email or password.')));
    const { container } = renderApp('/sign-in');
    await userEvent.type(await screen.findByLabelText('Email'), 'ada@example.org');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong-one');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password.');
    expect(getToken()).toBeNull();
    await expectNoAxeViolations(container);
  });

  it('only follows same-app paths after sign-in', () => {
    expect(safeNext('/w/W1/jobs?status=failed')).toBe('/w/W1/jobs?status=failed');
    expect(safeNext('//evil.example/x')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});

describe('the route guard', () => {
  it('returns to sign-in, with next, when the API answers 401', async () => {
    signIn('stale');
    workspaceApi();
    server.use(handle('get', '/api/v1/workspaces/{workspace_id}/documents', () => problem(401, 'The token has expired.')));
    const { router } = renderApp('/w/W1/documents');
    expect(await screen.findByRole('heading', { name: 'Sign in to ADE' })).toBeInTheDocument();
    expect(screen.getByText(/your session has ended/i)).toBeInTheDocument();
    expect(router.state.location.search).toBe(`?next=${encodeURIComponent('/w/W1/documents')}`);
    expect(getToken()).toBeNull();
  });

  it('returns to sign-in, with next, when the token expires on the page', async () => {
    signIn('short', 1);
    workspaceApi();
    const { router } = renderApp('/w/W1/documents');
    expect(await screen.findByRole('heading', { name: 'Documents' })).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'Sign in to ADE' }, { timeout: 4000 })).toBeInTheDocument();
    expect(screen.getByText(/your session has ended/i)).toBeInTheDocument();
    expect(router.state.location.search).toBe(`?next=${encodeURIComponent('/w/W1/documents')}`);
  });

  it('shows a not-found page for a workspace the user cannot see', async () => {
    signIn();
    workspaceApi();
    renderApp('/w/W9/documents');
    expect(await screen.findByText('This workspace was not found')).toBeInTheDocument();
  });

  it('opens the last or first workspace at /', async () => {
    signIn();
    workspaceApi();
    const { router } = renderApp('/');
    await waitFor(() => {
      expect(router.state.location.pathname).toBe('/w/W1/documents');
    });
  });
});
