import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { getToken } from '@/lib/session';
import { page, user } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderApp } from '@/test/render';
import { server } from '@/test/server';

function freshServer(answer: () => Response | undefined = () => undefined) {
  const sent: unknown[] = [];
  server.use(
    handle('get', '/api/v1/setup', () => ({ needed: true })),
    handle('post', '/api/v1/setup', async ({ request }) => {
      sent.push(await request.json());
      return answer() ?? { access_token: 'first', token_type: 'bearer' as const, expires_in: 3600, user: user({ is_admin: true }) };
    }),
    handle('get', '/api/v1/me', () => user({ is_admin: true })),
    handle('get', '/api/v1/workspaces', () => page([])),
  );
  return sent;
}

async function fill(values: { token?: string; password?: string; confirm?: string } = {}) {
  const { token = 'tok-123', password = 'correct horse' } = values;
  const confirm = values.confirm ?? password;
  await userEvent.type(await screen.findByLabelText('Setup token'), token);
  await userEvent.type(screen.getByLabelText('Email'), 'admin@example.org');
  await userEvent.type(screen.getByLabelText('Display name'), 'Ada Admin');
  await userEvent.type(screen.getByLabelText('Password'), password);
  await userEvent.type(screen.getByLabelText('Confirm password'), confirm);
  await userEvent.click(screen.getByRole('button', { name: 'Create admin account' }));
}

describe('first-run setup', () => {
  it('goes to setup instead of sign-in, creates the admin and asks for a first workspace', async () => {
    const sent = freshServer();
    const { router } = renderApp('/w/W1/documents');
    expect(await screen.findByRole('heading', { name: 'Set up ADE' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/setup');
    expect(screen.getByText(/printed on the console by/i)).toHaveTextContent('ade start');
    await fill();
    expect(await screen.findByRole('heading', { name: 'Create your first workspace' })).toBeInTheDocument();
    expect(sent).toEqual([
      { token: 'tok-123', email: 'admin@example.org', password: 'correct horse', display_name: 'Ada Admin' },
    ]);
    expect(getToken()).toBe('first');
  });

  it('shows a wrong token at the token field', async () => {
    freshServer(() =>
      problem(403, 'the setup token is missing or wrong: use the one the server printed at start', {
        type: 'https://ade.dev/problems/setup-token-invalid',
        title: 'Invalid setup token',
      }),
    );
    renderApp('/setup');
    await fill({ token: 'nope' });
    const token = screen.getByLabelText('Setup token');
    await waitFor(() => {
      expect(token).toHaveAttribute('aria-invalid', 'true');
    });
    expect(token).toHaveAccessibleDescription(/the setup token is missing or wrong/);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(getToken()).toBeNull();
  });

  it('shows a weak password at the password field', async () => {
    freshServer(() =>
      problem(400, 'the new user is invalid', {
        type: 'https://ade.dev/problems/invalid-input',
        errors: [{ loc: ['password'], msg: 'must be 8 to 1024 characters long' }],
      }),
    );
    renderApp('/setup');
    await fill({ password: 'short' });
    const password = screen.getByLabelText('Password');
    await waitFor(() => {
      expect(password).toHaveAttribute('aria-invalid', 'true');
    });
    expect(password).toHaveAccessibleDescription(/must be 8 to 1024 characters long/);
  });

  it('does not send passwords that do not match', async () => {
    const sent = freshServer();
    renderApp('/setup');
    await fill({ password: 'correct horse', confirm: 'correct horsee' });
    expect(screen.getByLabelText('Confirm password')).toHaveAccessibleDescription('The passwords do not match.');
    expect(sent).toEqual([]);
  });

  it('says so when setup was already done meanwhile', async () => {
    freshServer(() =>
      problem(409, 'setup is already complete', { type: 'https://ade.dev/problems/setup-complete' }),
    );
    renderApp('/setup');
    await fill();
    expect(await screen.findByRole('heading', { name: 'ADE is set up' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to sign-in' })).toHaveAttribute('href', '/sign-in');
  });

  it('tells a visitor of a set-up server to sign in instead', async () => {
    renderApp('/setup');
    expect(await screen.findByRole('heading', { name: 'ADE is set up' })).toBeInTheDocument();
  });
});
