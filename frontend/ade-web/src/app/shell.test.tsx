import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { getToken } from '@/lib/session';
import { expectNoAxeViolations } from '@/test/axe';
import { document, page, user, workspace } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderApp, signIn } from '@/test/render';
import { server } from '@/test/server';

const finance = workspace();
const clients = workspace({ id: 'W2', name: 'Clients', slug: 'clients', role: 'viewer' });

function api() {
  const created: unknown[] = [];
  server.use(
    handle('get', '/api/v1/me', () => user()),
    handle('get', '/api/v1/workspaces', () => page([finance, clients])),
    handle('get', '/api/v1/workspaces/{workspace_id}', ({ params }) =>
      [finance, clients].find((w) => w.id === params.workspace_id) ?? problem(404, 'No such workspace.'),
    ),
    handle('get', '/api/v1/workspaces/{workspace_id}/documents', ({ params }) =>
      page(params.workspace_id === 'W1' ? [document()] : []),
    ),
    handle('post', '/api/v1/workspaces', async ({ request }) => {
      created.push(await request.json());
      return workspace({ id: 'W3', name: 'Legal', slug: 'legal' });
    }),
  );
  return { created };
}

describe('the app shell', () => {
  it('switches workspace from the header menu', async () => {
    signIn();
    api();
    const { router, container } = renderApp('/w/W1/documents');
    expect(await screen.findByRole('link', { name: /roster\.xlsx/ })).toBeInTheDocument();
    await expectNoAxeViolations(container);

    await userEvent.click(screen.getByRole('button', { name: /Workspace: Finance/ }));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Clients' }));
    await waitFor(() => {
      expect(router.state.location.pathname).toBe('/w/W2/documents');
    });
    expect(await screen.findByText('No documents yet')).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Documents' })).toHaveAttribute('aria-current', 'page');
  });

  it('moves focus to the new page after navigating and names the tab', async () => {
    signIn();
    api();
    renderApp('/w/W1/documents');
    await screen.findByRole('link', { name: /roster\.xlsx/ });
    expect(window.document.title).toBe('Documents · Finance · ADE');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    server.use(
      handle('get', '/api/v1/workspaces/{workspace_id}/jobs', () => page([])),
      handle('get', '/api/v1/workspaces/{workspace_id}/configs', () => page([])),
    );
    await userEvent.click(within(nav).getByRole('link', { name: 'Jobs' }));
    expect(await screen.findByRole('heading', { name: 'Jobs' })).toBeInTheDocument();
    expect(screen.getByRole('main')).toHaveFocus();
    expect(window.document.title).toBe('Jobs · Finance · ADE');
  });

  it('creates a workspace and opens it', async () => {
    signIn();
    const { created } = api();
    const { router } = renderApp('/w/W1/documents');
    await userEvent.click(await screen.findByRole('button', { name: /Workspace: Finance/ }));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Create workspace' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create workspace' });
    expect(within(dialog).getByLabelText('Workspace name')).toHaveFocus();
    await userEvent.keyboard('Legal{Enter}');
    await waitFor(() => {
      expect(router.state.location.pathname).toBe('/w/W3/documents');
    });
    expect(created).toEqual([{ name: 'Legal' }]);
    expect(await screen.findByText('Workspace “Legal” created')).toBeInTheDocument();
  });

  it('shows the API answer inside the create dialog', async () => {
    signIn();
    api();
    server.use(
      handle('post', '/api/v1/workspaces', () =>
        problem(409, 'A workspace with slug "legal" already exists.', { title: 'Conflict' }),
      ),
    );
    renderApp('/w/W1/documents');
    await userEvent.click(await screen.findByRole('button', { name: /Workspace: Finance/ }));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Create workspace' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create workspace' });
    await userEvent.type(within(dialog).getByLabelText('Workspace name'), 'Legal');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create workspace' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('A workspace with slug "legal" already exists.');
  });

  it('signs out from the account menu', async () => {
    signIn();
    api();
    let loggedOut = false;
    server.use(
      handle('post', '/api/v1/auth/logout', () => {
        loggedOut = true;
        return new Response(null, { status: 204 });
      }),
    );
    const { router } = renderApp('/w/W1/documents');
    await userEvent.click(await screen.findByRole('button', { name: /Account menu/ }));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in to ADE' })).toBeInTheDocument();
    expect(loggedOut).toBe(true);
    expect(getToken()).toBeNull();
    expect(router.state.location.pathname).toBe('/sign-in');
    expect(router.state.location.search).toBe('');
  });

  it('offers to create the first workspace when there is none', async () => {
    signIn();
    api();
    server.use(handle('get', '/api/v1/workspaces', () => page([])));
    const { container } = renderApp('/');
    expect(await screen.findByRole('heading', { name: 'Create your first workspace' })).toBeInTheDocument();
    await expectNoAxeViolations(container);
  });
});
