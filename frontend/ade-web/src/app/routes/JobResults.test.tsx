import { screen, within } from '@testing-library/react';
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import { page } from '@/test/fixtures';
import { handle } from '@/test/http';
import { renderWithProviders } from '@/test/render';
import { server } from '@/test/server';

import { JobResults } from './JobResults';

const REASON = "required field 'Email' (email) not mapped: the table is not written (engine.incomplete_tables = skip)";

const table = (id: string, range: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  range,
  header_rows: [1],
  columns: [],
  mapping: [],
  table_issues: [],
  rows: { data: 2, excluded: 0, written: status === 'mapped' ? 2 : 0 },
  issues: { count: 0 },
  status,
  reason: null,
  ...extra,
});

describe('the job results', () => {
  it('says why a table was not written', async () => {
    const artifact = {
      status: 'succeeded',
      settings: { min_score: 0.5 },
      output: null,
      sheets: [
        {
          name: 'Roster',
          tables: [table('Roster#1', 'A1:D3', 'mapped'), table('Roster#2', 'F1:G3', 'skipped', { reason: REASON })],
        },
      ],
    };
    server.use(
      handle('get', '/api/v1/workspaces/{workspace_id}/jobs/{job_id}/artifact', () => HttpResponse.json(artifact)),
      handle('get', '/api/v1/workspaces/{workspace_id}/jobs/{job_id}/tables', () =>
        page(
          artifact.sheets[0]!.tables.map((t) => ({
            sheet: 'Roster',
            id: t.id,
            range: t.range,
            header_rows: [1],
            headers: [],
            mapping: [],
            rows: t.rows,
            issues: 0,
            status: t.status,
          })),
        ),
      ),
      handle('get', '/api/v1/workspaces/{workspace_id}/jobs/{job_id}/output/rows', ({ request }) => ({
        sheets: [],
        sheet: new URL(request.url).searchParams.get('sheet') ?? 'Normalized',
        offset: 0,
        limit: 100,
        total: 0,
        truncated: false,
        rows: [],
      })),
    );
    renderWithProviders(<JobResults workspaceId="W1" jobId="J1" />);
    const skipped = (await screen.findByRole('heading', { name: /Roster · F1:G3/ })).closest('section');
    expect(skipped).not.toBeNull();
    expect(within(skipped!).getByText('skipped')).toBeInTheDocument();
    expect(within(skipped!).getByText(REASON)).toBeInTheDocument();
    const written = screen.getByRole('heading', { name: /Roster · A1:D3/ }).closest('section');
    expect(within(written!).queryByText(/not written/)).toBeNull();
  });
});
