import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { components } from '@/api/generated/schema';
import { configVersion } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderWithProviders } from '@/test/render';
import { server } from '@/test/server';

import { PublishDialog } from './PublishDialog';

// Monaco needs a real browser (the browser tests drive it): here the diff editor is a stand-in.
vi.mock('./VersionDiffEditor', () => ({
  default: ({ change }: { change: { path: string } }) => <div data-testid="version-diff">{change.path}</div>,
}));

type Diff = components['schemas']['VersionDiff'];

const diff: Diff = {
  from: { version_id: 'V1', status: 'published', semver: '1.0.0', files_hash: 'h1' },
  to: { version_id: 'VD', status: 'draft', semver: null, files_hash: 'h2' },
  truncated: false,
  files: [
    { path: 'columns/email.py', change: 'changed', old_sha256: 'a', new_sha256: 'b', old_text: 'x = 1\n', new_text: 'x = 2\n', binary: false, too_large: false },
    { path: 'columns/phone.py', change: 'added', old_sha256: null, new_sha256: 'c', old_text: null, new_text: 'y = 1\n', binary: false, too_large: false },
  ],
};

function setup(answer: (body: unknown) => Response | components['schemas']['VersionDetail'] = () => configVersion({ semver: '1.1.0' })) {
  const sent: unknown[] = [];
  server.use(
    handle('get', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/diff', ({ request }) => {
      const url = new URL(request.url);
      expect([url.searchParams.get('from'), url.searchParams.get('to')]).toEqual(['V1', 'draft']);
      return diff;
    }),
    handle('post', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/publish', async ({ request }) => {
      const body: unknown = await request.json();
      sent.push(body);
      return answer(body);
    }),
  );
  const onClose = vi.fn();
  const rendered = renderWithProviders(
    <PublishDialog workspaceId="W1" configId="C1" published={{ versionId: 'V1', semver: '1.0.0' }} onClose={onClose} />,
  );
  return { sent, onClose, ...rendered };
}

const version = () => screen.getByRole('textbox', { name: 'Version' });

describe('PublishDialog', () => {
  it('suggests the next minor, offers patch, minor and major, and shows the draft’s changes', async () => {
    setup();
    expect(version()).toHaveValue('1.1.0');
    await userEvent.click(screen.getByRole('button', { name: 'major 2.0.0' }));
    expect(version()).toHaveValue('2.0.0');
    expect(await screen.findByText('1 changed, 1 added')).toBeInTheDocument();
    const files = screen.getByRole('list', { name: 'Changed files' });
    expect(files).toHaveTextContent('columns/email.py');
    expect(files).toHaveTextContent('columns/phone.py');
    expect(await screen.findByTestId('version-diff')).toHaveTextContent('columns/email.py');
    await userEvent.click(screen.getByRole('button', { name: /columns\/phone\.py/ }));
    expect(await screen.findByTestId('version-diff')).toHaveTextContent('columns/phone.py');
  });

  it('checks the semver as the API does before sending anything', async () => {
    const { sent } = setup();
    await userEvent.clear(version());
    await userEvent.type(version(), 'v1.2');
    await userEvent.click(screen.getByRole('button', { name: 'Publish v1.2' }));
    expect(version()).toHaveAccessibleDescription(/Leave out the “v”/);
    expect(version()).toHaveAttribute('aria-invalid', 'true');
    await userEvent.clear(version());
    await userEvent.type(version(), '1.2');
    await userEvent.click(screen.getByRole('button', { name: 'Publish 1.2' }));
    expect(version()).toHaveAccessibleDescription(/MAJOR\.MINOR\.PATCH/);
    expect(sent).toEqual([]);
  });

  it('puts a semver already taken (409) on the version input', async () => {
    setup(() => problem(409, 'version 1.1.0 already exists; choose another semver', { title: 'Conflict' }));
    await userEvent.click(screen.getByRole('button', { name: 'Publish 1.1.0' }));
    await waitFor(() => expect(version()).toHaveAccessibleDescription(/version 1\.1\.0 already exists/));
    await userEvent.type(version(), '1');
    expect(version()).not.toHaveAttribute('aria-invalid');
  });

  it('puts 422 field errors on their inputs, and other problems above the buttons', async () => {
    let answer = problem(422, 'Invalid request', { errors: [{ loc: ['body', 'message'], msg: 'String should have at most 2000 characters' }] });
    setup(() => answer);
    await userEvent.type(screen.getByRole('textbox', { name: 'What changed (optional)' }), 'Phone column');
    await userEvent.click(screen.getByRole('button', { name: 'Publish 1.1.0' }));
    await waitFor(() =>
      expect(screen.getByRole('textbox', { name: 'What changed (optional)' })).toHaveAccessibleDescription(/at most 2000/),
    );
    answer = problem(409, 'the draft is identical to the published version 1.0.0; change it before publishing');
    await userEvent.click(screen.getByRole('button', { name: 'Publish 1.1.0' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the draft is identical to the published version');
    expect(version()).not.toHaveAttribute('aria-invalid');
  });

  it('publishes {semver, message}, refreshes the config queries and closes', async () => {
    const { sent, onClose, queryClient } = setup();
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    await userEvent.type(screen.getByRole('textbox', { name: 'What changed (optional)' }), '  Phone column ');
    await userEvent.click(screen.getByRole('button', { name: 'Publish 1.1.0' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(sent).toEqual([{ semver: '1.1.0', message: 'Phone column' }]);
    expect(invalidate).toHaveBeenCalledWith({ queryKey: ['workspaces', 'W1', 'configs'] });
    expect(await screen.findByText('Published 1.1.0')).toBeInTheDocument();
  });
});
