import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { useState } from 'react';

import { problem } from '@/test/http';
import { renderWithProviders } from '@/test/render';
import { server } from '@/test/server';

import { ManifestView, type ManifestEdit } from './ManifestView';

const MANIFEST_URL = '/api/v1/workspaces/ws1/configs/c1/draft/manifest';
const manifest = {
  schema: 'ade.manifest/v1',
  title: 'Roster',
  engine: { min_score: 0.5 },
  columns: [
    { field: 'email', label: 'Email', path: 'columns/email.py', ordinal: 1, required: false, enabled: true, synonyms: ['e-mail'] },
    { field: 'name', label: 'Name', path: 'columns/name.py', ordinal: 2, required: true, enabled: true, synonyms: [] },
  ],
  row_types: [],
  hooks: { run_start: [], after_mapping: [], before_save: [], run_end: [] },
};

function serve(answer?: (request: Request) => Response | Promise<Response>) {
  const sent: { body: unknown; ifMatch: string | null; type: string | null }[] = [];
  server.use(
    http.get(MANIFEST_URL, () => HttpResponse.json(manifest, { headers: { ETag: '"m1"' } })),
    http.get('/api/v1/workspaces/ws1/configs/c1/draft/files', () => HttpResponse.json({ items: [], total: 0, page: 1, page_size: 200 })),
    http.patch(MANIFEST_URL, async ({ request }) => {
      sent.push({ body: await request.clone().json(), ifMatch: request.headers.get('If-Match'), type: request.headers.get('Content-Type') });
      return answer ? answer(request) : HttpResponse.json(manifest, { headers: { ETag: '"m2"' } });
    }),
  );
  return sent;
}

it('reorders columns with Move down and saves a merge patch with If-Match', async () => {
  const sent = serve();
  const onSaved = vi.fn();
  renderWithProviders(<ManifestView workspaceId="ws1" configId="c1" canEdit onSaved={onSaved} />);
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Move email down' }));
  expect(screen.getByText('Unsaved changes')).toBeInTheDocument();
  const rows = within(screen.getByRole('group', { name: 'Columns' })).getAllByRole('listitem');
  expect(rows.map((row) => row.getAttribute('aria-label'))).toEqual(['name', 'email']);
  await user.click(screen.getByRole('button', { name: 'Save manifest' }));
  await waitFor(() => expect(onSaved).toHaveBeenCalled());
  expect(sent).toEqual([
    {
      ifMatch: '"m1"',
      type: 'application/merge-patch+json',
      body: { columns: [{ ...manifest.columns[1], ordinal: 1 }, { ...manifest.columns[0], ordinal: 2 }] },
    },
  ]);
  expect(screen.queryByText('Unsaved changes')).not.toBeInTheDocument();
});

it('shows each 400 problem on the input its path names', async () => {
  serve(() =>
    problem(400, 'the manifest is invalid', {
      errors: [
        { loc: ['manifest', 'engine', 'output_sheet'], msg: "must be a valid sheet name (not 'Issues')" },
        { loc: ['manifest', 'columns', 1, 'label'], msg: 'must be a non-empty string' },
      ],
    }),
  );
  renderWithProviders(<ManifestView workspaceId="ws1" configId="c1" canEdit />);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Output sheet'), 'Issues');
  await user.clear(screen.getByLabelText('Label of name'));
  await user.click(screen.getByRole('button', { name: 'Save manifest' }));
  expect(await screen.findByText(/2 problems are marked below/)).toBeInTheDocument();
  expect(screen.getByLabelText('Output sheet')).toHaveAccessibleDescription(/must be a valid sheet name/);
  expect(screen.getByLabelText('Label of name')).toHaveAccessibleDescription('must be a non-empty string');
  expect(screen.getByLabelText('Label of email')).not.toHaveAttribute('aria-invalid');
});

it('offers a reload when someone saved the manifest first (412)', async () => {
  serve(() => problem(412, 'the file changed since you read it'));
  renderWithProviders(<ManifestView workspaceId="ws1" configId="c1" canEdit />);
  const user = userEvent.setup();
  await user.click(await screen.findByLabelText('Required: email'));
  await user.click(screen.getByRole('button', { name: 'Save manifest' }));
  expect(await screen.findByText(/Someone saved the manifest after you opened it/)).toBeInTheDocument();
  await user.click(screen.getByRole('button', { name: 'Reload' }));
  expect(screen.getByLabelText('Required: email')).not.toBeChecked();
  expect(screen.queryByText('Unsaved changes')).not.toBeInTheDocument();
});

it('refuses a setting that is no number before asking the server', async () => {
  const sent = serve();
  renderWithProviders(<ManifestView workspaceId="ws1" configId="c1" canEdit />);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Sample size'), 'lots');
  await user.click(screen.getByRole('button', { name: 'Save manifest' }));
  expect(screen.getByLabelText('Sample size')).toHaveAccessibleDescription(/Enter a number/);
  expect(sent).toEqual([]);
});

it('is read-only for viewers', async () => {
  serve();
  renderWithProviders(<ManifestView workspaceId="ws1" configId="c1" canEdit={false} />);
  expect(await screen.findByLabelText('Label of email')).toHaveAttribute('readonly');
  expect(screen.getByLabelText('Required: email')).toBeDisabled();
  expect(screen.queryByRole('button', { name: 'Save manifest' })).not.toBeInTheDocument();
  expect(screen.queryByRole('button', { name: /Move/ })).not.toBeInTheDocument();
  expect(screen.queryByRole('button', { name: /Drag/ })).not.toBeInTheDocument();
  expect(screen.queryByLabelText(/Hook module/)).not.toBeInTheDocument();
});

it('adds and removes hook modules per stage', async () => {
  const sent = serve();
  renderWithProviders(<ManifestView workspaceId="ws1" configId="c1" canEdit />);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Hook module for before_save'), 'hooks/audit.py{Enter}');
  expect(within(screen.getByRole('region', { name: /before_save/ })).getByText('hooks/audit.py')).toBeInTheDocument();
  await user.type(screen.getByLabelText('Hook module for run_end'), 'hooks/end.py');
  await user.click(within(screen.getByRole('region', { name: /run_end/ })).getByRole('button', { name: 'Add' }));
  await user.click(screen.getByRole('button', { name: 'Remove hooks/end.py from run_end' }));
  await user.click(screen.getByRole('button', { name: 'Save manifest' }));
  await waitFor(() => expect(sent).toHaveLength(1));
  expect(sent[0]?.body).toEqual({ hooks: { before_save: ['hooks/audit.py'] } });
});

it('keeps unsaved edits in the state the page holds while the view is away', async () => {
  serve();
  function Page() {
    const edit = useState<ManifestEdit | null>(null);
    const [shown, setShown] = useState(true);
    return (
      <>
        <button type="button" onClick={() => setShown((s) => !s)}>
          Toggle
        </button>
        {shown && <ManifestView workspaceId="ws1" configId="c1" canEdit edit={edit} />}
      </>
    );
  }
  renderWithProviders(<Page />);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Label of email'), ' address');
  await user.click(screen.getByRole('button', { name: 'Toggle' }));
  expect(screen.queryByLabelText('Label of email')).not.toBeInTheDocument();
  await user.click(screen.getByRole('button', { name: 'Toggle' }));
  expect(await screen.findByLabelText('Label of email')).toHaveValue('Email address');
  expect(screen.getByText('Unsaved changes')).toBeInTheDocument();
});

it('is clean again when the edits are typed back, and keeps a comma being typed', async () => {
  serve();
  renderWithProviders(<ManifestView workspaceId="ws1" configId="c1" canEdit />);
  const user = userEvent.setup();
  const synonyms = await screen.findByLabelText('Synonyms of email');
  await user.type(synonyms, ',');
  expect(synonyms).toHaveValue('e-mail,');
  await user.type(synonyms, '{Backspace}');
  await user.type(screen.getByLabelText('Label of email'), 'x{Backspace}');
  expect(screen.queryByText('Unsaved changes')).not.toBeInTheDocument();
  expect(screen.getByRole('button', { name: 'Save manifest' })).toBeDisabled();
});
