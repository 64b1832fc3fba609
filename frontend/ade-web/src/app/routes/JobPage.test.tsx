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
        const rows = { group: 'rows' };
        return sse(
          jobEvent(3, 'pass.started', { name: 'transform', ...rows }),
          jobEvent(4, 'pass.started', { name: 'validate', ...rows }),
          jobEvent(5, 'pass.started', { name: 'output', ...rows }),
          jobEvent(6, 'progress', { rows: 1200, total: 1200 }),
          jobEvent(7, 'pass.completed', { name: 'transform', elapsed_ms: 40, ...rows }),
          jobEvent(8, 'pass.completed', { name: 'validate', elapsed_ms: 10, ...rows }),
          jobEvent(9, 'pass.completed', { name: 'output', elapsed_ms: 50, ...rows }),
          jobEvent(10, 'run.completed'),
          jobEvent(11, 'job.succeeded'),
        );
      }),
    );
    renderApp('/w/W1/jobs/J1');
    const timeline = await screen.findByRole('list', { name: 'Job timeline' });
    expect(await within(timeline).findByText('job succeeded')).toBeInTheDocument();
    expect(timeline.children).toHaveLength(5);
    expect(timeline.textContent).toMatch(/job queued.*job started.*Rows.*run completed.*job succeeded/);
    // Transform, validate and output ran together: one span, each pass's time inside it.
    const passes = within(timeline).getByRole('list', { name: "Rows: each pass's time" });
    expect(within(passes).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['transform 40 ms', 'validate 10 ms', 'output 50 ms']);
    expect(within(timeline).getByText('1,200 of 1,200 rows')).toBeInTheDocument();
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
