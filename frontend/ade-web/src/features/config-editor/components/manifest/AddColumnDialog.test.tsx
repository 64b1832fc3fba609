import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';

import { problem } from '@/test/http';
import { renderWithProviders } from '@/test/render';
import { server } from '@/test/server';

import { AddColumnDialog } from './AddColumnDialog';

const BASE = '/api/v1/workspaces/ws1/configs/c1/draft';

function serve(answer: (body: unknown) => Response) {
  const sent: unknown[] = [];
  server.use(
    http.get(`${BASE}/manifest`, () =>
      HttpResponse.json({ schema: 'ade.manifest/v1', columns: [{ field: 'email', label: 'Email', path: 'columns/email.py', ordinal: 1 }] }, { headers: { ETag: '"m1"' } }),
    ),
    http.post(`${BASE}/columns`, async ({ request }) => {
      const body: unknown = await request.json();
      sent.push(body);
      return answer(body);
    }),
  );
  return sent;
}

function open() {
  const onAdded = vi.fn();
  renderWithProviders(<AddColumnDialog workspaceId="ws1" configId="c1" onAdded={onAdded} onClose={() => undefined} />);
  return { onAdded, user: userEvent.setup() };
}

it('checks the field name before sending anything', async () => {
  const sent = serve(() => HttpResponse.json({}));
  const { user } = open();
  await user.type(screen.getByLabelText('Field name'), 'Phone Number');
  await user.click(screen.getByRole('button', { name: 'Add column' }));
  expect(screen.getByLabelText('Field name')).toHaveAccessibleDescription(/lowercase letters, digits and underscores/);
  await user.clear(screen.getByLabelText('Field name'));
  await waitFor(() => expect(screen.getByLabelText('Label')).toHaveAttribute('placeholder', 'e.g. Phone Number'));
  await user.type(screen.getByLabelText('Field name'), 'email');
  expect(screen.getByLabelText('Field name')).toHaveAccessibleDescription(/already has a column email/);
  expect(sent).toEqual([]);
});

it('adds the column in one request and hands back its file', async () => {
  const sent = serve(() =>
    HttpResponse.json({ column: {}, file: { path: 'columns/phone.py' }, manifest_sha256: 'x', files_hash: 'y' }, { status: 201 }),
  );
  const { user, onAdded } = open();
  await user.type(screen.getByLabelText('Field name'), 'phone');
  expect(screen.getByLabelText('Label')).toHaveAttribute('placeholder', 'Phone');
  await user.type(screen.getByLabelText('Synonyms'), 'tel, mobile');
  await user.selectOptions(screen.getByLabelText('Starting kind'), 'phone');
  await user.click(screen.getByLabelText(/Required/));
  await user.click(screen.getByRole('button', { name: 'Add column' }));
  await waitFor(() => expect(onAdded).toHaveBeenCalledWith('columns/phone.py'));
  expect(sent).toEqual([{ field: 'phone', synonyms: ['tel', 'mobile'], required: true, kind: 'phone' }]);
});

it('shows the API’s conflict on the field', async () => {
  serve(() => problem(409, 'columns/phone.py already exists; add it to the manifest instead'));
  const { user, onAdded } = open();
  await user.type(screen.getByLabelText('Field name'), 'phone');
  await user.click(screen.getByRole('button', { name: 'Add column' }));
  await waitFor(() => expect(screen.getByLabelText('Field name')).toHaveAccessibleDescription(/already exists/));
  expect(onAdded).not.toHaveBeenCalled();
});
