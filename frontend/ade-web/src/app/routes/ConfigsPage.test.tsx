import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';

import type { components } from '@/api/generated/schema';
import { saveBlob } from '@/lib/download';
import { expectNoAxeViolations } from '@/test/axe';
import { page, user, workspace } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderApp, signIn } from '@/test/render';
import { server } from '@/test/server';

// Downloads go through a link click, which jsdom cannot follow: see what would be saved.
vi.mock('@/lib/download', () => ({ saveBlob: vi.fn() }));

type Config = components['schemas']['ConfigOut'];
type ConfigVersion = components['schemas']['VersionOut'];
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

const version = (over: Partial<ConfigVersion> = {}): ConfigVersion => ({
  version_id: 'V1',
  config_id: 'C2',
  status: 'published',
  semver: '1.0.0',
  message: null,
  files_hash: 'h',
  created_by_id: null,
  published_by_id: null,
  published_at: at,
  deprecated_at: null,
  created_at: at,
  updated_at: at,
  ...over,
});

function api(role: 'owner' | 'editor' | 'viewer' = 'owner') {
  const seen: {
    imported: string[];
    created: unknown[];
    duplicated: { configId: string; body: unknown }[];
    exported: string[];
    published: unknown[];
    activated: string[];
  } = { imported: [], created: [], duplicated: [], exported: [], published: [], activated: [] };
  const fresh = config({ id: 'C3', slug: 'new-roster', title: 'New roster', active: false, published_version_id: null, published_semver: null });
  const configs = [config(), config({ id: 'C2', slug: 'invoices', title: 'Invoices', active: false })];
  server.use(
    handle('get', '/api/v1/me', () => user()),
    handle('get', '/api/v1/workspaces', () => page([workspace({ role })])),
    handle('get', '/api/v1/workspaces/{workspace_id}', () => workspace({ role })),
    handle('get', '/api/v1/workspaces/{workspace_id}/configs', () => page(configs)),
    handle('post', '/api/v1/workspaces/{workspace_id}/configs:import', ({ request }) => {
      // (jsdom's File does not stream through Node's fetch: the body is not read here.)
      seen.imported.push(request.headers.get('content-type') ?? '');
      return fresh;
    }),
    handle('post', '/api/v1/workspaces/{workspace_id}/configs', async ({ request }) => {
      seen.created.push(await request.json());
      return fresh;
    }),
    handle('post', '/api/v1/workspaces/{workspace_id}/configs/{config_id}:duplicate', async ({ request, params }) => {
      seen.duplicated.push({ configId: params.config_id ?? '', body: await request.json() });
      return fresh;
    }),
    // What the editor asks first, once a config opens in it.
    handle('get', '/api/v1/workspaces/{workspace_id}/configs/{config_id}', ({ params }) =>
      configs.find((c) => c.id === params.config_id) ?? fresh,
    ),
    handle('get', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft/files', () => page([])),
    handle('post', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/draft:plan', () => ({ valid: true, problems: [], files_hash: 'h' })),
    handle('get', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/versions', () =>
      page([
        version({ version_id: 'V-draft', status: 'draft', semver: null, published_at: null }),
        version(),
        version({ version_id: 'V0', status: 'discarded', semver: null, published_at: null }),
      ]),
    ),
    http.get('/api/v1/workspaces/:workspace_id/configs/:config_id/export', ({ request }) => {
      seen.exported.push(new URL(request.url).search);
      return new HttpResponse(new Blob(['PK']), {
        headers: { 'Content-Type': 'application/zip', 'Content-Disposition': 'attachment; filename="invoices-1.0.0.zip"' },
      });
    }),
    handle('post', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/publish', async ({ request }) => {
      seen.published.push(await request.json());
      return { ...version({ version_id: 'V2', semver: '1.1.0' }), manifest: {}, files: [] };
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

  it('creates a config from the roster template and opens it in the editor', async () => {
    signIn();
    const seen = api();
    const { router } = renderApp('/w/W1/configs');
    await loaded();
    await userEvent.click(screen.getByRole('button', { name: 'New config' }));
    const dialog = await screen.findByRole('dialog', { name: 'New config' });
    expect(within(dialog).getByRole('radio', { name: /Roster template/ })).toBeChecked();
    const create = within(dialog).getByRole('button', { name: 'Create config' });
    expect(create).toBeDisabled(); // no title yet
    await userEvent.type(within(dialog).getByLabelText('Title'), 'Member Roster 2026');
    expect(within(dialog).getByLabelText('Slug')).toHaveValue('member-roster-2026');
    await userEvent.click(create);
    await waitFor(() => expect(seen.created).toEqual([{ template: 'example', title: 'Member Roster 2026', slug: 'member-roster-2026' }]));
    await waitFor(() => expect(router.state.location.pathname).toBe('/w/W1/configs/C3/editor'));
  });

  it('creates a blank config with the slug the user typed, checked like the API', async () => {
    signIn();
    const seen = api();
    renderApp('/w/W1/configs');
    await loaded();
    await userEvent.click(screen.getByRole('button', { name: 'New config' }));
    const dialog = await screen.findByRole('dialog', { name: 'New config' });
    await userEvent.click(within(dialog).getByRole('radio', { name: /Blank/ }));
    await userEvent.type(within(dialog).getByLabelText('Title'), 'Invoices');
    const slug = within(dialog).getByLabelText('Slug');
    await userEvent.clear(slug);
    await userEvent.type(slug, 'Bad Slug');
    expect(slug).toHaveAccessibleDescription(/lower-case letters, digits and dashes \(1–64\)/);
    expect(within(dialog).getByRole('button', { name: 'Create config' })).toBeDisabled();
    await userEvent.clear(slug);
    await userEvent.type(slug, 'inv-2');
    // The title no longer changes a slug the user typed.
    await userEvent.type(within(dialog).getByLabelText('Title'), ' 2026');
    expect(slug).toHaveValue('inv-2');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create config' }));
    await waitFor(() => expect(seen.created).toEqual([{ template: 'empty', title: 'Invoices 2026', slug: 'inv-2' }]));
  });

  it('shows a taken slug under the slug and a refused title under the title', async () => {
    signIn();
    api();
    server.use(
      handle('post', '/api/v1/workspaces/{workspace_id}/configs', async ({ request }) => {
        const body = (await request.json()) as { title: string };
        return body.title === 'Roster'
          ? problem(409, "the slug 'roster' is taken in this workspace", { title: 'Conflict' })
          : problem(422, 'The request is invalid.', { errors: [{ loc: ['body', 'title'], msg: 'Too fancy' }] });
      }),
    );
    renderApp('/w/W1/configs');
    await loaded();
    await userEvent.click(screen.getByRole('button', { name: 'New config' }));
    const dialog = await screen.findByRole('dialog', { name: 'New config' });
    const title = within(dialog).getByLabelText('Title');
    await userEvent.type(title, 'Roster');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create config' }));
    const slug = within(dialog).getByLabelText('Slug');
    await waitFor(() => expect(slug).toHaveAccessibleDescription(/the slug 'roster' is taken in this workspace/));
    expect(slug).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();

    await userEvent.type(title, '!');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create config' }));
    await waitFor(() => expect(title).toHaveAccessibleDescription('Too fancy'));
    expect(slug).not.toHaveAttribute('aria-invalid');
  });

  it('imports a package with a slug taken from its file name, then opens it', async () => {
    signIn();
    const seen = api();
    const { router } = renderApp('/w/W1/configs');
    await loaded();
    await userEvent.click(screen.getByRole('button', { name: 'New config' }));
    const dialog = await screen.findByRole('dialog', { name: 'New config' });
    await userEvent.click(within(dialog).getByRole('radio', { name: /Import a zip/ }));
    expect(within(dialog).getByRole('button', { name: 'Import config' })).toBeDisabled(); // no file yet
    const zip = new File(['PK'], 'New Roster.zip', { type: 'application/zip' });
    await userEvent.upload(within(dialog).getByLabelText('Config package'), zip);
    expect(within(dialog).getByLabelText('Slug')).toHaveValue('new-roster');
    expect(within(dialog).getByLabelText('Title (optional)')).toHaveValue('');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Import config' }));
    await waitFor(() => expect(seen.imported).toHaveLength(1));
    expect(seen.imported[0]).toMatch(/^multipart\/form-data; boundary=/);
    expect(await screen.findByText('Config “New roster” imported')).toBeInTheDocument();
    await waitFor(() => expect(router.state.location.pathname).toBe('/w/W1/configs/C3/editor'));
  });

  it('duplicates a version of a config as “Copy of …” and opens the copy', async () => {
    signIn();
    const seen = api('editor');
    const { router } = renderApp('/w/W1/configs');
    await openActions('Invoices');
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Duplicate…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Duplicate “Invoices”' });
    expect(within(dialog).getByLabelText('Title')).toHaveValue('Copy of Invoices');
    expect(within(dialog).getByLabelText('Slug')).toHaveValue('copy-of-invoices');
    const from = within(dialog).getByLabelText('Copy from');
    await within(dialog).findByRole('option', { name: '1.0.0 (published)' });
    expect(within(from).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'The draft (latest edits)',
      '1.0.0 (published)',
      expect.stringMatching(/^Discarded draft of /),
    ]);
    await userEvent.selectOptions(from, 'V1');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Duplicate config' }));
    await waitFor(() =>
      expect(seen.duplicated).toEqual([{ configId: 'C2', body: { title: 'Copy of Invoices', slug: 'copy-of-invoices', version_id: 'V1' } }]),
    );
    await waitFor(() => expect(router.state.location.pathname).toBe('/w/W1/configs/C3/editor'));
  });

  it('duplicates the draft by default and shows a taken slug in the dialog', async () => {
    signIn();
    api();
    const bodies: unknown[] = [];
    server.use(
      handle('post', '/api/v1/workspaces/{workspace_id}/configs/{config_id}:duplicate', async ({ request }) => {
        bodies.push(await request.json());
        return problem(409, "the slug 'copy-of-roster' is taken in this workspace", { title: 'Conflict' });
      }),
    );
    renderApp('/w/W1/configs');
    await openActions('Roster');
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Duplicate…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Duplicate “Roster”' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Duplicate config' }));
    await waitFor(() => expect(bodies).toEqual([{ title: 'Copy of Roster', slug: 'copy-of-roster' }]));
    expect(await within(dialog).findByText("the slug 'copy-of-roster' is taken in this workspace")).toBeInTheDocument();
    const slug = within(dialog).getByLabelText('Slug');
    expect(slug).toHaveAttribute('aria-invalid', 'true');
    // Editing the slug clears the answer that was about the old one.
    await userEvent.type(slug, '-2');
    expect(within(dialog).queryByText("the slug 'copy-of-roster' is taken in this workspace")).not.toBeInTheDocument();
    expect(slug).not.toHaveAttribute('aria-invalid');
  });

  it('opens the editor from the title and from the menu’s Edit entry', async () => {
    signIn();
    api('editor');
    const { router } = renderApp('/w/W1/configs');
    const table = await loaded();
    expect(within(table).getByRole('link', { name: 'Roster' })).toHaveAttribute('href', '/w/W1/configs/C1/editor');
    await openActions('Invoices');
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Edit' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/w/W1/configs/C2/editor'));
  });

  it('exports any version as a zip from the versions dialog', async () => {
    signIn();
    const seen = api('viewer');
    renderApp('/w/W1/configs');
    await openActions('Invoices');
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Versions' }));
    const dialog = await screen.findByRole('dialog', { name: 'Versions of “Invoices”' });
    await userEvent.click(await within(dialog).findByRole('button', { name: 'Export 1.0.0 as a zip' }));
    await waitFor(() => expect(seen.exported).toEqual(['?version_id=V1']));
    await waitFor(() => expect(saveBlob).toHaveBeenCalledWith(expect.anything(), 'invoices-1.0.0.zip'));
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
    // The title opens the editor, where a viewer reads the draft.
    expect(within(await loaded()).getByRole('link', { name: 'Invoices' })).toHaveAttribute('href', '/w/W1/configs/C2/editor');
    await openActions('Invoices');
    expect(await screen.findByRole('menuitem', { name: 'Export draft' })).toBeInTheDocument();
    expect(screen.queryByRole('menuitem', { name: /Edit|Duplicate|Publish|Activate|Archive/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'New config' })).not.toBeInTheDocument();
  });
});
