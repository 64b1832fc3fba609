import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { job, page, user, workspace } from '@/test/fixtures';
import { handle } from '@/test/http';
import { renderApp, signIn } from '@/test/render';
import { server } from '@/test/server';

describe('the jobs page', () => {
  it('filters by status through the URL and the API', async () => {
    signIn();
    const queries: string[] = [];
    server.use(
      handle('get', '/api/v1/me', () => user()),
      handle('get', '/api/v1/workspaces', () => page([workspace()])),
      handle('get', '/api/v1/workspaces/{workspace_id}', () => workspace()),
      // The filters' choices.
      handle('get', '/api/v1/workspaces/{workspace_id}/documents', () => page([])),
      handle('get', '/api/v1/workspaces/{workspace_id}/configs', () => page([])),
      handle('get', '/api/v1/workspaces/{workspace_id}/jobs', ({ request }) => {
        const url = new URL(request.url);
        queries.push(url.search);
        return url.searchParams.get('status') === 'failed' ? page([]) : page([job()]);
      }),
    );
    const { router } = renderApp('/w/W1/jobs');
    expect(await screen.findByText('Running')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'failed');
    expect(await screen.findByText('No failed jobs')).toBeInTheDocument();
    await waitFor(() => {
      expect(router.state.location.search).toBe('?status=failed');
    });
    expect(queries.at(-1)).toContain('status=failed');
    expect(queries[0]).not.toContain('status');
  });
});
