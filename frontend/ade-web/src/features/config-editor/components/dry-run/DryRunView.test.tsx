import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { components } from '@/api/generated/schema';
import { document, page } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderWithProviders, signIn } from '@/test/render';
import { server } from '@/test/server';

import { DryRunView } from './DryRunView';

type DryRun = components['schemas']['DryRunOut'];

const DOCS = '/api/v1/workspaces/{workspace_id}/documents';
const RUN = '/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft:dry-run';

const succeeded: DryRun = {
  run_id: 'R1',
  status: 'succeeded',
  document_id: 'D1',
  files_hash: 'f'.repeat(64),
  elapsed_ms: 1500,
  error: null,
  tables: [
    {
      sheet: 'Roster',
      id: 'Roster#1',
      range: 'A1:B9',
      header_rows: [1],
      status: 'mapped',
      columns: [
        { letter: 'A', index: 0, header: 'E-mail', scores: { email: 1.6 }, score_parts: { email: { synonyms: 1, detect_values: 0.6 } }, winner: 'email', winner_score: 1.6 },
      ],
      mapping: [{ field: 'email', label: 'Email', column: 'A', header: 'E-mail', score: 1.6 }],
    },
  ],
  logs: [{ level: 'info', message: 'roster config loaded' }],
  stdout: 'hello\n',
  stderr: '',
  output_url: null,
};

function setup(run: DryRun | Response, bodies: unknown[] = []) {
  signIn();
  server.use(
    handle('get', DOCS, () => page([document()])),
    handle('post', RUN, async ({ request }) => {
      bodies.push(await request.json());
      return run;
    }),
  );
}

describe('DryRunView', () => {
  it('runs the draft on the document in the URL and shows the mapping and console', async () => {
    const bodies: unknown[] = [];
    setup(succeeded, bodies);
    renderWithProviders(<DryRunView workspaceId="W1" configId="C1" canEdit unsaved />, { route: '/e?view=dry-run&document=D1' });
    expect(await screen.findByRole('option', { name: 'roster.xlsx' })).toBeInTheDocument();
    expect(screen.getByLabelText('Document', { selector: 'select' })).toHaveValue('D1');
    expect(screen.getByRole('note')).toHaveTextContent('the run uses the saved draft');
    await userEvent.click(screen.getByRole('button', { name: 'Run' }));
    const row = within(await screen.findByRole('table', { name: 'Mapping of Roster#1' })).getByRole('row', { name: /E-mail/ });
    expect(row).toHaveTextContent('Email');
    expect(row).toHaveTextContent('1.6');
    expect(row).toHaveTextContent('+0.6');
    expect(bodies).toEqual([{ document_id: 'D1' }]);
    expect(screen.getByRole('log', { name: 'Console' })).toHaveTextContent('roster config loaded');
    expect(screen.getByRole('log', { name: 'Console' })).toHaveTextContent('hello');
    expect(screen.getByRole('button', { name: 'Run again' })).toBeEnabled();
  });

  it('offers a jump to the file and line of failing config code', async () => {
    const error = { type: 'ConfigError', message: 'transform broke', file: 'columns/email.py', line: 14 };
    setup({ ...succeeded, status: 'failed', error, tables: [] });
    const onJump = vi.fn();
    renderWithProviders(<DryRunView workspaceId="W1" configId="C1" canEdit onJump={onJump} />, { route: '/e?document=D1' });
    await userEvent.click(await screen.findByRole('button', { name: 'Run' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('transform broke');
    await userEvent.click(screen.getByRole('button', { name: 'Open columns/email.py at line 14' }));
    expect(onJump).toHaveBeenCalledWith('columns/email.py', 14);
  });

  it('shows a refused run as a readable problem', async () => {
    setup(problem(503, 'config code cannot run: the sandbox jail is unavailable'));
    renderWithProviders(<DryRunView workspaceId="W1" configId="C1" canEdit />, { route: '/e?document=D1' });
    await userEvent.click(await screen.findByRole('button', { name: 'Run' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the sandbox jail is unavailable');
  });

  it('cannot run without a document, and viewers get no run controls', async () => {
    setup(succeeded);
    const { unmount } = renderWithProviders(<DryRunView workspaceId="W1" configId="C1" canEdit />, { route: '/e' });
    expect(await screen.findByRole('button', { name: 'Run' })).toBeDisabled();
    unmount();
    renderWithProviders(<DryRunView workspaceId="W1" configId="C1" canEdit={false} />, { route: '/e' });
    expect(screen.queryByRole('button', { name: /Run|Upload/ })).not.toBeInTheDocument();
  });
});
