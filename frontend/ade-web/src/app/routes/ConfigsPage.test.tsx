import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import type { components } from '@/api/generated/schema';
import { expectNoAxeViolations } from '@/test/axe';
import { page, user, workspace } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderApp, signIn } from '@/test/render';
import { server } from '@/test/server';

type Config = components['schemas']['ConfigOut'];
const at = '2026-01-02T03:04:05Z';

const config = (over: Partial<Config> = {}): Config => ({
  id: 'C1',
  workspace_id: 'W1',
  slug: 'roster',
  title: 'Roster',
  archived: false,
  archived_at: null,
  active: true,
  version_id: 'V-draft',
  published_version_id: 'V1',
  published_semver: '1.0.0',
  created_at: at,
  updated_at: at,
  ...over,
});

function api(role: 'owner' | 'editor' | 'viewer' = 'owner') {
  const seen: { imported: string[]; published: unknown[]; activated: string[] } = {
    imported: [],
    published: [],
    activated: [],
  };
  const configs = [config(), config({ id: 'C2', slug: 'invoices', title: 'Invoices', active: false })];
  server.use(
    handle('get', '/api/v1/me', () => user()),
    handle('get', '/api/v1/workspaces', () => page([workspace({ role })])),
    handle('get', '/api/v1/workspaces/{workspace_id}', () => workspace({ role })),
    handle('get', '/api/v1/workspaces/{workspace_id}/configs', () => page(configs)),
    handle('post', '/api/v1/workspaces/{workspace_id}/configs:import', ({ request }) => {
      // (jsdom's File does not stream through Node's fetch: the body is not read here.)
      seen.imported.push(request.headers.get('content-type') ?? '');
      return config({ id: 'C3', slug: 'new-roster', title: 'New roster', active: false, published_version_id: null, published_semver: null });
    }),
    handle('post', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/publish', async ({ request }) => {
      seen.published.push(await request.json());
      const version: components['schemas']['VersionDetail'] = {
        version_id: 'V2',
        config_id: 'C2',
        status: 'published',
        semver: '1.1.0',
        message: null,
        files_hash: 'h',
        created_by_id: null,
        published_by_id: null,
        published_at: at,
        deprecated_at: null,
        created_at: at,
        updated_at: at,
        manifest: {},
        files: [],
      };
      return version;
    }),
    handle('post', '/api/v1/workspaces/{workspace_id}/configs/{config_id}:activate', ({ params }) => {
      seen.activated.push(params.config_id ?? '');
      return config({ id: params.config_id });
    }),
    handle('delete', '/api/v1/workspaces/{workspace_id}/configs/{config_id}', () =>
      problem(409, "this is the workspace's active config; activate another one first", { title: 'Conflict' }),
    ),
  );
  return seen;
}

/** The page's chunk loads lazily: give the first render time on a busy machine. */
const loaded = () => screen.findByRole('table', { name: 'Configs' }, { timeout: 5000 });

async function openActions(name: string) {
  await loaded();
  await userEvent.click(screen.getByRole('button', { name: `Actions for ${name}` }));
}

describe('the configs page', () => {
  it('lists configs with the active one marked, without accessibility faults', async () => {
    signIn();
    api();
    const { container } = renderApp('/w/W1/configs');
    const table = await loaded();
    const roster = within(table).getByRole('row', { name: /Roster/ });
    expect(within(roster).getByText('Active')).toBeInTheDocument();
    expect(within(roster).getByText('1.0.0')).toBeInTheDocument();
    await expectNoAxeViolations(container);
  });

  it('imports a package with a slug taken from its file name', async () => {
    signIn();
    const seen = api();
    renderApp('/w/W1/configs');
    await loaded();
    await userEvent.click(screen.getByRole('button', { name: 'Import config' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import config' });
    const zip = new File(['PK'], 'New Roster.zip', { type: 'application/zip' });
    await userEvent.upload(within(dialog).getByLabelText('Config package'), zip);
    expect(within(dialog).getByLabelText('Slug')).toHaveValue('new-roster');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Import config' }));
    await waitFor(() => expect(seen.imported).toHaveLength(1));
    expect(seen.imported[0]).toMatch(/^multipart\/form-data; boundary=/);
    expect(await screen.findByText('Config “New roster” imported')).toBeInTheDocument();
  });

  it('publishes the draft with the next version and activates a config', async () => {
    signIn();
    const seen = api();
    renderApp('/w/W1/configs');
    await openActions('Invoices');
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Publish draft…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Publish “Invoices”' });
    expect(within(dialog).getByLabelText('Version')).toHaveValue('1.1.0');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Publish' }));
    await waitFor(() => expect(seen.published).toEqual([{ semver: '1.1.0', message: '' }]));

    await openActions('Invoices');
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Activate' }));
    await waitFor(() => expect(seen.activated).toEqual(['C2']));
  });

  it('shows the API’s conflict in the archive dialog', async () => {
    signIn();
    api();
    renderApp('/w/W1/configs');
    await openActions('Roster');
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Archive…' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Archive “Roster”?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Archive config' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent("this is the workspace's active config");
  });

  it('leaves a viewer only reading and exporting', async () => {
    signIn();
    api('viewer');
    renderApp('/w/W1/configs');
    await openActions('Invoices');
    expect(await screen.findByRole('menuitem', { name: 'Export draft' })).toBeInTheDocument();
    expect(screen.queryByRole('menuitem', { name: /Publish|Activate|Archive/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Import config' })).not.toBeInTheDocument();
  });
});
