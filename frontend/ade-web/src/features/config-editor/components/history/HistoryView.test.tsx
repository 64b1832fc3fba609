import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { components } from '@/api/generated/schema';
import { expectNoAxeViolations } from '@/test/axe';
import { configVersion, page } from '@/test/fixtures';
import { handle, problem } from '@/test/http';
import { renderWithProviders } from '@/test/render';
import { server } from '@/test/server';

import { HistoryView } from './HistoryView';

vi.mock('./VersionDiffEditor', () => ({
  default: ({ change }: { change: { path: string } }) => <div data-testid="version-diff">{change.path}</div>,
}));

type Version = components['schemas']['VersionOut'];
type Diff = components['schemas']['VersionDiff'];
const at = '2026-01-02T03:04:05Z';

const v = (over: Partial<Version>): Version => ({
  version_id: 'V1',
  config_id: 'C1',
  status: 'published',
  semver: '1.0.0',
  message: null,
  files_hash: 'h',
  created_by_id: 'U1',
  published_by_id: 'U1',
  published_at: at,
  deprecated_at: null,
  created_at: at,
  updated_at: at,
  ...over,
});
const versions = [
  v({ version_id: 'VD', status: 'draft', semver: null, published_at: null, published_by_id: null, files_hash: 'd'.repeat(64) }),
  v({ version_id: 'V2', status: 'published', semver: '1.1.0', message: 'Phone column', files_hash: '2'.repeat(64) }),
  v({ version_id: 'V1', status: 'deprecated', semver: '1.0.0', files_hash: '1'.repeat(64) }),
];

const diff = (from: string, to: string): Diff => ({
  from: { version_id: from, status: 'deprecated', semver: null, files_hash: 'x' },
  to: { version_id: to, status: 'draft', semver: null, files_hash: 'y' },
  truncated: false,
  files: [{ path: 'columns/email.py', change: 'changed', old_sha256: 'a', new_sha256: 'b', old_text: 'a\n', new_text: 'b\n', binary: false, too_large: false }],
});

function setup(canEdit: boolean, revert: () => Response | components['schemas']['RevertOut'] = () => ({ ...configVersion({ version_id: 'V1' }), discarded_version_id: 'VK' })) {
  const diffs: string[] = [];
  const reverted: unknown[] = [];
  server.use(
    handle('get', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/versions', () => page(versions)),
    handle('get', '/api/v1/workspaces/{workspace_id}/members', () =>
      page([{ user_id: 'U1', email: 'ada@example.org', display_name: 'Ada', role: 'owner', created_at: at }]),
    ),
    handle('get', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/diff', ({ request }) => {
      const url = new URL(request.url);
      const [from, to] = [url.searchParams.get('from') ?? '', url.searchParams.get('to') ?? ''];
      diffs.push(`${from}->${to}`);
      return diff(from, to);
    }),
    handle('post', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/revert', async ({ request }) => {
      reverted.push(await request.json());
      return revert();
    }),
  );
  const onDraftReplaced = vi.fn();
  const rendered = renderWithProviders(<HistoryView workspaceId="W1" configId="C1" canEdit={canEdit} onDraftReplaced={onDraftReplaced} />);
  return { diffs, reverted, onDraftReplaced, ...rendered };
}

describe('HistoryView', () => {
  it('lists every version with who published it, and compares the published one with the draft', async () => {
    const { diffs, container } = setup(true);
    const table = await screen.findByRole('table', { name: 'Versions' });
    const row = within(table).getByRole('row', { name: /1\.1\.0/ });
    expect(row).toHaveTextContent('Phone column');
    expect(row).toHaveTextContent('Published');
    await waitFor(() => expect(row).toHaveTextContent('Ada'));
    expect(row).toHaveTextContent('222222222222');
    await waitFor(() => expect(diffs).toContain('V2->draft'));
    expect(screen.getByRole('combobox', { name: 'From' })).toHaveValue('V2');
    expect(screen.getByRole('combobox', { name: 'To' })).toHaveValue('draft');
    expect(await screen.findByTestId('version-diff')).toHaveTextContent('columns/email.py');

    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'To' }), 'V1');
    await waitFor(() => expect(diffs).toContain('V2->V1'));
    await userEvent.click(screen.getByRole('button', { name: 'Swap the two sides' }));
    await waitFor(() => expect(diffs).toContain('V1->V2'));
    await expectNoAxeViolations(container);
  });

  it('shows viewers the history and diffs, without revert or restore', async () => {
    setup(false);
    await screen.findByRole('table', { name: 'Versions' });
    expect(screen.getByRole('button', { name: 'Compare 1.0.0 with the draft' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Revert/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Restore/ })).not.toBeInTheDocument();
  });

  it('asks before a revert, showing what the draft loses and that it is kept', async () => {
    const { diffs, reverted, onDraftReplaced } = setup(true);
    await userEvent.click(await screen.findByRole('button', { name: 'Revert to 1.0.0' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Revert to 1.0.0?' });
    expect(dialog).toHaveTextContent('1.1.0 becomes deprecated');
    expect(await within(dialog).findByRole('list', { name: 'What the draft loses' })).toHaveTextContent('columns/email.py');
    expect(diffs).toContain('draft->V1');
    expect(dialog).toHaveTextContent('it is kept as a discarded draft in the history');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revert to 1.0.0' }));
    await waitFor(() => expect(onDraftReplaced).toHaveBeenCalled());
    expect(reverted).toEqual([{ version_id: 'V1' }]);
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(await screen.findByText('Reverted to 1.0.0')).toBeInTheDocument();
  });

  it('keeps the confirmation open with the API’s refusal', async () => {
    const { onDraftReplaced } = setup(true, () => problem(409, 'only a deprecated version can be reverted to; this one is published'));
    await userEvent.click(await screen.findByRole('button', { name: 'Revert to 1.0.0' }));
    const dialog = await screen.findByRole('alertdialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revert to 1.0.0' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('only a deprecated version can be reverted to');
    expect(onDraftReplaced).not.toHaveBeenCalled();
  });
  it('asks before a restore, and says nothing is lost when a version holds the draft’s files', async () => {
    const { onDraftReplaced } = setup(true);
    const restored: string[] = [];
    server.use(
      handle('get', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/diff', (): Diff => ({
        ...diff('draft', 'V2'),
        from: { version_id: 'VD', status: 'draft', semver: null, files_hash: '1'.repeat(64) }, // as 1.0.0
      })),
      handle('post', '/api/v1/workspaces/{workspace_id}/configs/{config_id}/versions/{version_id}:restore', ({ params }) => {
        restored.push(params.version_id ?? '');
        return { ...configVersion({ version_id: 'VD', status: 'draft', semver: null }), discarded_version_id: null };
      }),
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Restore 1.1.0' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Restore 1.1.0 into the draft?' });
    expect(dialog).toHaveTextContent('Nothing is published');
    expect(await within(dialog).findByText(/nothing is lost/)).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Restore into the draft' }));
    await waitFor(() => expect(onDraftReplaced).toHaveBeenCalled());
    expect(restored).toEqual(['V2']);
  });
});
