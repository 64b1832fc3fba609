import { QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import { HttpResponse } from 'msw';
import { createElement, type ReactNode } from 'react';
import { describe, expect, it } from 'vitest';

import { handle, problem } from '@/test/http';
import { testQueryClient } from '@/test/render';
import { server } from '@/test/server';

import { useConfigEditor } from './useConfigEditor';

const FILE = '/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/files/{path}' as const;

function file(code: string, etag: string) {
  return HttpResponse.json({ path: 'columns/email.py', size: code.length, sha256: etag, code }, { headers: { ETag: etag } });
}

function setup() {
  const queryClient = testQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => createElement(QueryClientProvider, { client: queryClient }, children);
  const errors: unknown[] = [];
  const hook = renderHook(() => useConfigEditor('W1', 'C1', (error) => errors.push(error)), { wrapper });
  return { hook, errors };
}

describe('useConfigEditor', () => {
  it('saves the text typed in the same moment as Ctrl+S, before React has rendered it', async () => {
    const saved: { code: string; ifMatch: string | null }[] = [];
    server.use(
      handle('get', FILE, () => file('one', '"e1"')),
      handle('put', FILE, async ({ request }) => {
        const body: unknown = await request.json();
        const code = typeof body === 'object' && body !== null && 'code' in body ? String(body.code) : '';
        saved.push({ code, ifMatch: request.headers.get('If-Match') });
        return file(code, '"e2"');
      }),
    );
    const { hook, errors } = setup();
    await act(() => hook.result.current.open('columns/email.py'));
    // Monaco's change event and its Ctrl+S command run in one task: no render in between.
    act(() => {
      hook.result.current.dispatch({ type: 'edited', path: 'columns/email.py', text: 'one two' });
      hook.result.current.save();
    });
    await waitFor(() => expect(hook.result.current.dirty).toEqual([]));
    expect(saved).toEqual([{ code: 'one two', ifMatch: '"e1"' }]);
    expect(hook.result.current.state.files['columns/email.py']?.etag).toBe('"e2"');
    expect(errors).toEqual([]);
  });

  it('ignores a second Ctrl+S while the first save is in flight, and a stale save becomes a conflict', async () => {
    let puts = 0;
    server.use(
      handle('get', FILE, () => file(puts === 0 ? 'one' : 'theirs', puts === 0 ? '"e1"' : '"e9"')),
      handle('put', FILE, async () => {
        puts += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return problem(412, 'the file changed since you read it');
      }),
    );
    const { hook, errors } = setup();
    await act(() => hook.result.current.open('columns/email.py'));
    act(() => {
      hook.result.current.dispatch({ type: 'edited', path: 'columns/email.py', text: 'mine' });
      hook.result.current.save();
      hook.result.current.save();
    });
    await waitFor(() => expect(hook.result.current.state.files['columns/email.py']?.conflict).not.toBeNull());
    expect(puts).toBe(1);
    expect(hook.result.current.state.files['columns/email.py']?.conflict).toEqual({ text: 'theirs', etag: '"e9"' });
    expect(hook.result.current.state.files['columns/email.py']?.text).toBe('mine');
    expect(errors).toEqual([]);
  });
});
