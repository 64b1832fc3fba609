import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import { getSession, lastEndReason } from '@/lib/session';
import { workspace } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { signIn } from '@/test/render';
import { server } from '@/test/server';

import { api, unwrap } from './client';
import { ApiError, errorMessage } from './errors';

describe('the API client', () => {
  it('sends the bearer token and a request id', async () => {
    signIn('tok-1');
    let seen: Headers | undefined;
    server.use(
      handle('get', '/api/v1/workspaces/{workspace_id}', ({ request }) => {
        seen = request.headers;
        return workspace();
      }),
    );
    const result = unwrap(await api.GET('/api/v1/workspaces/{workspace_id}', { params: { path: { workspace_id: 'W1' } } }));
    expect(result.name).toBe('Finance');
    expect(seen?.get('Authorization')).toBe('Bearer tok-1');
    expect(seen?.get('X-Request-ID')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('throws problem details as an ApiError', async () => {
    signIn();
    server.use(
      handle('get', '/api/v1/workspaces/{workspace_id}', () => problem(404, 'No workspace W9.', { title: 'Not found' })),
    );
    const call = api.GET('/api/v1/workspaces/{workspace_id}', { params: { path: { workspace_id: 'W9' } } });
    await expect(call).rejects.toBeInstanceOf(ApiError);
    await expect(call).rejects.toMatchObject({ status: 404, detail: 'No workspace W9.', requestId: 'req-test' });
    expect(getSession()).not.toBeNull();
  });

  it('ends the session on a 401 to an authenticated request', async () => {
    signIn();
    server.use(handle('get', '/api/v1/me', () => problem(401, 'The token has expired.')));
    await expect(api.GET('/api/v1/me')).rejects.toMatchObject({ status: 401 });
    expect(getSession()).toBeNull();
    expect(lastEndReason()).toBe('expired');
  });

  it('turns a network failure into a readable ApiError', async () => {
    server.use(http.get('/api/v1/me', () => HttpResponse.error()));
    const call = api.GET('/api/v1/me');
    await expect(call).rejects.toBeInstanceOf(ApiError);
    await expect(call).rejects.toMatchObject({ status: 0 });
    await call.catch((error: unknown) => {
      expect(errorMessage(error)).toMatch(/cannot reach the server/i);
    });
  });

  it('keeps no session to end on a failed sign-in', async () => {
    server.use(handle('post', '/api/v1/auth/login', () => problem(401, 'Wrong email or password.')));
    const call = api.POST('/api/v1/auth/login', { body: { email: 'a@b.c', password: 'nope-nope' } });
    await expect(call).rejects.toMatchObject({ status: 401, detail: 'Wrong email or password.' });
  });
});
