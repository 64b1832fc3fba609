import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { page, user, workspace } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderApp, signIn } from '@/test/render';
import { server } from '@/test/server';

const at = '2026-01-02T03:04:05Z';
const key = { id: 'K1', name: 'nightly import', prefix: 'ade_k1', expires_at: null, created_at: at, last_used_at: null };

function api() {
  const keys = [key];
  const sent: unknown[] = [];
  server.use(
    handle('get', '/api/v1/me', () => user()),
    handle('get', '/api/v1/workspaces', () => page([workspace()])),
    handle('get', '/api/v1/me/api-keys', () => page(keys)),
    handle('post', '/api/v1/me/api-keys', async ({ request }) => {
      const body: unknown = await request.json();
      sent.push(body);
      if (body && typeof body === 'object' && 'name' in body && body.name === 'x'.repeat(3)) {
        return problem(422, 'Invalid input', { errors: [{ loc: ['body', 'name'], msg: 'name is too short' }] });
      }
      return { ...key, id: 'K2', name: 'ci', prefix: 'ade_k2', secret: 'ade_k2_s3cr3t', created_at: at, expires_at: null };
    }),
    handle('delete', '/api/v1/me/api-keys/{key_id}', () => new Response(null, { status: 204 })),
  );
  return sent;
}

describe('API keys', () => {
  it('creates a key and shows its secret once, with a copy button and a warning', async () => {
    signIn();
    const sent = api();
    renderApp('/account/api-keys');
    expect(await screen.findByRole('cell', { name: 'nightly import' }, { timeout: 5000 })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Create API key' }));
    const form = await screen.findByRole('dialog', { name: 'Create API key' });
    await userEvent.type(within(form).getByLabelText('Name'), 'xxx');
    await userEvent.click(within(form).getByRole('button', { name: 'Create key' }));
    await waitFor(() => {
      expect(within(form).getByLabelText('Name')).toHaveAccessibleDescription(/name is too short/);
    });

    await userEvent.clear(within(form).getByLabelText('Name'));
    await userEvent.type(within(form).getByLabelText('Name'), 'ci');
    await userEvent.selectOptions(within(form).getByLabelText('Expires'), 'never');
    await userEvent.click(within(form).getByRole('button', { name: 'Create key' }));
    const shown = await screen.findByRole('dialog', { name: 'Key “ci” created' });
    expect(within(shown).getByLabelText('API key secret')).toHaveTextContent('ade_k2_s3cr3t');
    expect(within(shown).getByText(/will not be able to see it again/)).toBeInTheDocument();
    expect(within(shown).getByRole('button', { name: 'Copy key' })).toBeInTheDocument();
    expect(sent.at(-1)).toEqual({ name: 'ci' });

    await userEvent.click(within(shown).getByRole('button', { name: 'Done' }));
    await waitFor(() => {
      expect(screen.queryByText('ade_k2_s3cr3t')).not.toBeInTheDocument();
    });
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('revokes a key after confirming', async () => {
    signIn();
    api();
    renderApp('/account/api-keys');
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke nightly import' }, { timeout: 5000 }));
    const dialog = await screen.findByRole('alertdialog', { name: /Revoke/ });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke key' }));
    expect(await screen.findByText('Key “nightly import” revoked')).toBeInTheDocument();
  });
});
