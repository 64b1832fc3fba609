import { useMutation, useQuery } from '@tanstack/react-query';
import { FileArchive, Upload } from 'lucide-react';
import { useState } from 'react';

import { Button } from '@/components/Button';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { fromSortParam, toSortParam } from '@/components/DataTable';
import { Dialog } from '@/components/Dialog';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { ProblemMessage } from '@/components/ProblemMessage';
import { TableSkeleton } from '@/components/TableSkeleton';
import { useToast } from '@/components/Toast';
import {
  configsQuery,
  exportConfig,
  useActivateConfig,
  useArchiveConfig,
  useImportConfig,
  usePublishConfig,
  useUnarchiveConfig,
  versionsQuery,
  type Config,
} from '@/features/configs/api/configs';
import { ConfigsTable, type ConfigActions } from '@/features/configs/components/ConfigsTable';
import { ImportConfigForm } from '@/features/configs/components/ImportConfigForm';
import { PublishForm } from '@/features/configs/components/PublishForm';
import { VersionsTable } from '@/features/configs/components/VersionsTable';
import { saveBlob } from '@/lib/download';
import { permissions } from '@/lib/permissions';
import { nextSemver } from '@/lib/semver';
import { useDocumentTitle } from '@/lib/useDocumentTitle';
import { useListParams } from '@/lib/useListParams';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';

type Open = { kind: 'publish' | 'versions' | 'archive'; config: Config } | { kind: 'import' } | null;

function VersionsDialog({ workspaceId, config, onClose }: { workspaceId: string; config: Config; onClose: () => void }) {
  const query = useQuery(versionsQuery(workspaceId, config.id));
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()} title={`Versions of “${config.title}”`}>
      <PageState query={query} loadingLabel="Loading versions">
        {(page) => <VersionsTable versions={page.items} />}
      </PageState>
    </Dialog>
  );
}

export default function ConfigsPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Configs', workspace.name);
  const can = permissions(workspace.role);
  const list = useListParams({ sort: '-created_at' });
  const query = useQuery(configsQuery(workspace.id, { page: list.page, page_size: list.pageSize, sort: list.sort }));
  const toast = useToast();
  const [open, setOpen] = useState<Open>(null);
  const importing = useImportConfig(workspace.id);
  const publishing = usePublishConfig(workspace.id);
  const archiving = useArchiveConfig(workspace.id);
  const activating = useActivateConfig(workspace.id);
  const unarchiving = useUnarchiveConfig(workspace.id);
  const exporting = useMutation({ mutationFn: (config: Config) => exportConfig(workspace.id, config) });
  // The last quick action's failure (activate, unarchive, export), shown above the list.
  const quick = [activating, unarchiving, exporting].find((m) => m.isError);
  const close = () => {
    setOpen(null);
    for (const m of [importing, publishing, archiving]) m.reset();
  };

  const actions: ConfigActions = {
    onVersions: (config) => setOpen({ kind: 'versions', config }),
    onExport: (config) =>
      exporting.mutate(config, { onSuccess: ({ blob, fileName }) => saveBlob(blob, fileName) }),
    ...(can.edit && {
      onPublish: (config: Config) => setOpen({ kind: 'publish', config }),
      onActivate: (config: Config) =>
        activating.mutate(config.id, {
          onSuccess: () => toast({ title: `“${config.title}” is now the active config`, tone: 'success' }),
        }),
    }),
    ...(can.manage && {
      onArchive: (config: Config) => setOpen({ kind: 'archive', config }),
      onUnarchive: (config: Config) =>
        unarchiving.mutate(config.id, { onSuccess: () => toast({ title: `“${config.title}” unarchived`, tone: 'success' }) }),
    }),
  };
  const importButton = can.edit && (
    <Button variant="primary" onClick={() => setOpen({ kind: 'import' })}>
      <Upload size={16} aria-hidden />
      Import config
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Configs"
        description="How this workspace reads its spreadsheets: fields, detectors and hooks. Jobs run the active config."
        actions={importButton}
      />
      {quick && (
        <div style={{ marginBottom: 12 }}>
          <ProblemMessage
            error={quick.error}
            action={
              <Button size="sm" variant="ghost" onClick={() => quick.reset()}>
                Dismiss
              </Button>
            }
          />
        </div>
      )}
      <PageState
        query={query}
        loadingLabel="Loading configs"
        skeleton={<TableSkeleton label="Loading configs" columns={5} />}
        isEmpty={(page) => page.total === 0}
        empty={{
          title: 'No configs yet',
          description: 'Import a config package (.zip) to tell ADE how to read this workspace’s files.',
          icon: <FileArchive size={20} aria-hidden />,
          action: importButton || undefined,
        }}
      >
        {(page) => (
          <ConfigsTable
            configs={page.items}
            actions={actions}
            sorting={fromSortParam(list.sort)}
            onSortingChange={(s) => list.setSort(toSortParam(s))}
            paging={{ page: page.page, pageSize: page.page_size, total: page.total, onPageChange: list.setPage }}
          />
        )}
      </PageState>

      <Dialog
        open={open?.kind === 'import'}
        onOpenChange={(next) => !next && close()}
        title="Import config"
        description="Create a config from a package. Publish it, then activate it to run jobs with it."
      >
        <ImportConfigForm
          pending={importing.isPending}
          error={importing.error}
          onCancel={close}
          onSubmit={(values) =>
            importing.mutate(values, {
              onSuccess: (config) => {
                toast({ title: `Config “${config.title}” imported`, tone: 'success' });
                close();
              },
            })
          }
        />
      </Dialog>
      {open?.kind === 'publish' && (
        <Dialog
          open
          onOpenChange={(next) => !next && close()}
          title={`Publish “${open.config.title}”`}
          description="The draft becomes a new version that jobs can run. Its modules are checked first."
        >
          <PublishForm
            suggested={nextSemver(open.config.published_semver)}
            pending={publishing.isPending}
            error={publishing.error}
            onCancel={close}
            onSubmit={(body) =>
              publishing.mutate(
                { configId: open.config.id, body },
                {
                  onSuccess: (version) => {
                    toast({ title: `Published ${open.config.title} ${version.semver ?? ''}`, tone: 'success' });
                    close();
                  },
                },
              )
            }
          />
        </Dialog>
      )}
      {open?.kind === 'versions' && <VersionsDialog workspaceId={workspace.id} config={open.config} onClose={close} />}
      <ConfirmDialog
        open={open?.kind === 'archive'}
        onOpenChange={(next) => !next && close()}
        title={`Archive “${open?.kind === 'archive' ? open.config.title : ''}”?`}
        description="An archived config is read-only and cannot be activated. Owners can unarchive it."
        confirmLabel="Archive config"
        pending={archiving.isPending}
        error={archiving.error}
        onConfirm={() => {
          if (open?.kind !== 'archive') return;
          const { config } = open;
          archiving.mutate(config.id, {
            onSuccess: () => {
              toast({ title: `“${config.title}” archived`, tone: 'success' });
              close();
            },
          });
        }}
      />
    </>
  );
}
