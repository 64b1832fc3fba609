import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { configVersion, document, job, jobEvent, page, user, workspace } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderApp, signIn } from '@/test/render';
import { server } from '@/test/server';

function sse(...events: ReturnType<typeof jobEvent>[]): Response {
  const text = events.map((e) => `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
  return new Response(text, { headers: { 'Content-Type': 'text/event-stream' } });
}

describe('the job page', () => {
  it('follows a running job live from its last event until it finishes', async () => {
    signIn();
    let status: 'running' | 'succeeded' = 'running';
    let resumedAfter: string | null = null;
    server.use(
      handle('get', '/api/v1/me', () => user()),
      handle('get', '/api/v1/workspaces', () => page([workspace()])),
      handle('get', '/api/v1/workspaces/{workspace_id}', () => workspace()),
      handle('get', '/api/v1/workspaces/{workspace_id}/documents/{document_id}', () => ({ ...document(), jobs: [], job_counts: {} })),
      handle('get', '/api/v1/workspaces/{workspace_id}/configs', () => page([])),
      // (The result's own tests are elsewhere: here it has none to show.)
      handle('get', '/api/v1/workspaces/{workspace_id}/jobs/{job_id}/artifact', () => problem(404, 'No artifact.')),
      handle('get', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/versions/{version_id}', () => configVersion()),
      handle('get', '/api/v1/workspaces/{workspace_id}/jobs/{job_id}', () =>
        job(status === 'succeeded' ? { status, completed_at: '2026-01-02T03:04:07Z', metrics: { rows_processed: 1200 } } : {}),
      ),
      handle('get', '/api/v1/workspaces/{workspace_id}/jobs/{job_id}/events', ({ request }) => {
        if (request.headers.get('Accept') !== 'text/event-stream') {
          return page([jobEvent(1, 'job.queued'), jobEvent(2, 'job.started')]);
        }
        resumedAfter = request.headers.get('Last-Event-ID');
        status = 'succeeded';
        return sse(jobEvent(3, 'run.completed'), jobEvent(4, 'job.succeeded'));
      }),
    );
    renderApp('/w/W1/jobs/J1');
    const timeline = await screen.findByRole('list', { name: 'Job timeline' });
    expect(await within(timeline).findByText('job succeeded')).toBeInTheDocument();
    expect(within(timeline).getAllByRole('listitem')).toHaveLength(4);
    expect(timeline.textContent).toMatch(/job queued.*job started.*run completed.*job succeeded/);
    expect(resumedAfter).toBe('2');
    expect(await screen.findByText('Succeeded')).toBeInTheDocument();
    expect(screen.getByText('1,200')).toBeInTheDocument();
    // The version a person knows: its semver, not its id.
    expect(await screen.findByText('1.0.0')).toHaveAttribute('title', 'Version V1');
  });

  it('is a not-found page for a job of another workspace', async () => {
    signIn();
    server.use(
      handle('get', '/api/v1/me', () => user()),
      handle('get', '/api/v1/workspaces', () => page([workspace()])),
      handle('get', '/api/v1/workspaces/{workspace_id}', () => workspace()),
      handle('get', '/api/v1/workspaces/{workspace_id}/jobs/{job_id}', () => problem(404, 'No such job.')),
      handle('get', '/api/v1/workspaces/{workspace_id}/jobs/{job_id}/events', () => problem(404, 'No such job.')),
    );
    renderApp('/w/W1/jobs/J9');
    expect(await screen.findByText('This job was not found')).toBeInTheDocument();
  });
});
