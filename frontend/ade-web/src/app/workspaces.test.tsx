import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { components } from '@/api/generated/schema';
import { workspaceChanges } from '@/features/workspaces/components/WorkspaceSettingsForm';
import { expectNoAxeViolations } from '@/test/axe';
import { page, user, workspace } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderApp, signIn } from '@/test/render';
import { server } from '@/test/server';

type Role = components['schemas']['WorkspaceRole'];
const at = '2026-01-02T03:04:05Z';
const ada = { user_id: 'U1', email: 'ada@example.org', display_name: 'Ada', role: 'owner' as Role, created_at: at };
const bob = { user_id: 'U2', email: 'bob@example.org', display_name: null, role: 'editor' as Role, created_at: at };

function api(role: Role = 'owner') {
  const ws = workspace({ role });
  const calls: { method: string; body?: unknown; user?: string }[] = [];
  server.use(
    handle('get', '/api/v1/me', () => user()),
    handle('get', '/api/v1/workspaces', () => page([ws])),
    handle('get', '/api/v1/workspaces/{workspace_id}', () => ws),
    handle('get', '/api/v1/workspaces/{workspace_id}/members', () => page([{ ...ada, role }, bob])),
    handle('patch', '/api/v1/workspaces/{workspace_id}/members/{user_id}', async ({ request, params }) => {
      calls.push({ method: 'patch', body: await request.json(), user: params.user_id });
      return params.user_id === 'U1'
        ? problem(409, 'a workspace must keep at least one owner', { type: 'https://ade.dev/problems/conflict' })
        : { ...bob, role: 'viewer' as Role };
    }),
    handle('post', '/api/v1/workspaces/{workspace_id}/members', async ({ request }) => {
      calls.push({ method: 'post', body: await request.json() });
      return problem(404, 'user not found', { type: 'https://ade.dev/problems/not-found' });
    }),
    handle('patch', '/api/v1/workspaces/{workspace_id}', async ({ request }) => {
      const body: unknown = await request.json();
      calls.push({ method: 'rename', body });
      return body && typeof body === 'object' && 'slug' in body
        ? problem(409, "the slug 'legal' is taken", { type: 'https://ade.dev/problems/conflict' })
        : { ...ws, name: 'Finance EU', updated_at: '2026-02-02T00:00:00Z' };
    }),
    handle('delete', '/api/v1/workspaces/{workspace_id}', () => {
      calls.push({ method: 'delete' });
      return new Response(null, { status: 204 });
    }),
  );
  return calls;
}

describe('members', () => {
  it('lets an owner change roles and shows the last-owner rule next to the control', async () => {
    signIn();
    const calls = api('owner');
    const { container } = renderApp('/w/W1/members');
    await screen.findByRole('combobox', { name: 'Role of Ada' }, { timeout: 5000 });
    await expectNoAxeViolations(container);

    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Role of bob@example.org' }), 'viewer');
    await waitFor(() => {
      expect(calls).toContainEqual({ method: 'patch', body: { role: 'viewer' }, user: 'U2' });
    });

    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Role of Ada' }), 'editor');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('a workspace must keep at least one owner');
    const row = alert.closest('tr')!;
    expect(within(row).getByRole('combobox', { name: 'Role of Ada' })).toHaveAccessibleDescription('a workspace must keep at least one owner');
    expect(within(row).getByRole('button', { name: 'Leave workspace' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Remove bob@example.org' })).toBeInTheDocument();
  });

  it('shows an unknown email at the email field of "Add member"', async () => {
    signIn();
    const calls = api('owner');
    renderApp('/w/W1/members');
    await userEvent.click(await screen.findByRole('button', { name: 'Add member' }, { timeout: 5000 }));
    const dialog = await screen.findByRole('dialog', { name: 'Add member' });
    await userEvent.type(within(dialog).getByLabelText('Email'), 'carol@example.org');
    await userEvent.selectOptions(within(dialog).getByLabelText('Role'), 'editor');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add member' }));
    await waitFor(() => {
      expect(within(dialog).getByLabelText('Email')).toHaveAccessibleDescription(/user not found/);
    });
    expect(calls).toContainEqual({ method: 'post', body: { email: 'carol@example.org', role: 'editor' } });
  });

  it('gives a viewer no member controls, only leaving', async () => {
    signIn();
    api('viewer');
    renderApp('/w/W1/members');
    expect(await screen.findByText('bob@example.org', {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.queryByRole('combobox')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add member' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Remove/ })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Leave workspace' })).toBeInTheDocument();
  });
});

describe('workspace settings', () => {
  it('renames, shows a taken slug at the slug field, and deletes after the name is typed', async () => {
    signIn();
    const calls = api('owner');
    const { router } = renderApp('/w/W1/settings');
    const name = await screen.findByLabelText('Name', {}, { timeout: 5000 });
    await userEvent.clear(name);
    await userEvent.type(name, 'Finance EU');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => {
      expect(calls).toContainEqual({ method: 'rename', body: { name: 'Finance EU' } });
    });

    const slug = screen.getByLabelText('Slug');
    await userEvent.clear(slug);
    await userEvent.type(slug, 'legal');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => {
      expect(slug).toHaveAccessibleDescription(/the slug 'legal' is taken/);
    });

    await userEvent.click(screen.getByRole('button', { name: 'Delete workspace…' }));
    const dialog = await screen.findByRole('dialog', { name: /Delete/ });
    const confirm = within(dialog).getByRole('button', { name: 'Delete workspace' });
    expect(confirm).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText(/to confirm/), 'Finance EU');
    expect(confirm).toBeEnabled();
    await userEvent.click(confirm);
    await waitFor(() => {
      expect(router.state.location.pathname).not.toBe('/w/W1/settings');
    });
    expect(calls).toContainEqual({ method: 'delete' });
  });

  it('shows an editor the settings read-only, without delete', async () => {
    signIn();
    api('editor');
    renderApp('/w/W1/settings');
    expect(await screen.findByLabelText('Name', {}, { timeout: 5000 })).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Save changes' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Delete workspace/ })).not.toBeInTheDocument();
  });

  it('sends only what changed', () => {
    const ws = workspace();
    expect(workspaceChanges(ws, { name: ' Finance ', slug: 'finance' })).toEqual({});
    expect(workspaceChanges(ws, { name: 'Legal ', slug: 'finance' })).toEqual({ name: 'Legal' });
    expect(workspaceChanges(ws, { name: 'Finance', slug: 'fin' })).toEqual({ slug: 'fin' });
  });
});
