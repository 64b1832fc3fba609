import { useMutation, useQuery } from '@tanstack/react-query';
import { FileArchive, Plus } from 'lucide-react';
import { useState } from 'react';
import { useNavigate } from 'react-router';

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
  useCreateConfig,
  useDuplicateConfig,
  useImportConfig,
  usePublishConfig,
  useUnarchiveConfig,
  versionsQuery,
  type Config,
  type ConfigVersion,
} from '@/features/configs/api/configs';
import { ConfigsTable, type ConfigActions } from '@/features/configs/components/ConfigsTable';
import { DuplicateConfigForm } from '@/features/configs/components/DuplicateConfigForm';
import { NewConfigForm, type NewConfigValues } from '@/features/configs/components/NewConfigForm';
import { PublishForm } from '@/features/configs/components/PublishForm';
import { VersionsTable } from '@/features/configs/components/VersionsTable';
import { saveBlob } from '@/lib/download';
import { permissions } from '@/lib/permissions';
import { nextSemver } from '@/lib/semver';
import { useDocumentTitle } from '@/lib/useDocumentTitle';
import { useListParams } from '@/lib/useListParams';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';

type Open = { kind: 'publish' | 'versions' | 'archive' | 'duplicate'; config: Config } | { kind: 'new' } | null;

function VersionsDialog({
  workspaceId,
  config,
  onExport,
  exportError,
  onClose,
}: {
  workspaceId: string;
  config: Config;
  onExport: (version: ConfigVersion) => void;
  exportError: unknown;
  onClose: () => void;
}) {
  const query = useQuery(versionsQuery(workspaceId, config.id));
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()} title={`Versions of “${config.title}”`}>
      <PageState query={query} loadingLabel="Loading versions">
        {(page) => <VersionsTable versions={page.items} onExport={onExport} />}
      </PageState>
      {exportError !== null && <ProblemMessage error={exportError} />}
    </Dialog>
  );
}

/** Copy a config: its versions load beside the form (the draft can be copied meanwhile). */
function DuplicateDialog({
  workspaceId,
  config,
  onDone,
  onClose,
}: {
  workspaceId: string;
  config: Config;
  onDone: (copy: Config) => void;
  onClose: () => void;
}) {
  const versions = useQuery(versionsQuery(workspaceId, config.id));
  const duplicating = useDuplicateConfig(workspaceId);
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={`Duplicate “${config.title}”`}
      description="A new config with a copy of its files, to change without touching this one."
    >
      <DuplicateConfigForm
        config={config}
        versions={versions.data?.items}
        pending={duplicating.isPending}
        error={duplicating.error}
        onCancel={onClose}
        onEdit={() => duplicating.isError && duplicating.reset()}
        onSubmit={(body) => duplicating.mutate({ configId: config.id, body }, { onSuccess: onDone })}
      />
    </Dialog>
  );
}

export default function ConfigsPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Configs', workspace.name);
  const can = permissions(workspace.role);
  const navigate = useNavigate();
  const editorOf = (config: Pick<Config, 'id'>) => `/w/${workspace.id}/configs/${config.id}/editor`;
  const list = useListParams({ sort: '-created_at' });
  const query = useQuery(configsQuery(workspace.id, { page: list.page, page_size: list.pageSize, sort: list.sort }));
  const toast = useToast();
  const [open, setOpen] = useState<Open>(null);
  const creating = useCreateConfig(workspace.id);
  const importing = useImportConfig(workspace.id);
  const publishing = usePublishConfig(workspace.id);
  const archiving = useArchiveConfig(workspace.id);
  const activating = useActivateConfig(workspace.id);
  const unarchiving = useUnarchiveConfig(workspace.id);
  const exporting = useMutation({
    mutationFn: ({ config, version }: { config: Config; version?: ConfigVersion }) =>
      exportConfig(workspace.id, config, version?.version_id),
    onSuccess: ({ blob, fileName }) => saveBlob(blob, fileName),
  });
  // The last quick action's failure (activate, unarchive, export), shown above the list.
  const quick = [activating, unarchiving, exporting].find((m) => m.isError);
  const close = () => {
    setOpen(null);
    for (const m of [creating, importing, publishing, archiving, exporting]) m.reset();
  };
  /** A new config (created, imported or duplicated) opens in the editor. */
  const openNew = (config: Config, verb: string) => {
    toast({ title: `Config “${config.title}” ${verb}`, tone: 'success' });
    setOpen(null);
    void navigate(editorOf(config));
  };
  const submitNew = (values: NewConfigValues) => {
    for (const m of [creating, importing]) m.reset(); // only this try's problem shows
    if (values.kind === 'create') creating.mutate(values.body, { onSuccess: (config) => openNew(config, 'created') });
    else importing.mutate(values.input, { onSuccess: (config) => openNew(config, 'imported') });
  };

  const actions: ConfigActions = {
    onVersions: (config) => setOpen({ kind: 'versions', config }),
    onExport: (config) => exporting.mutate({ config }),
    ...(can.edit && {
      onEdit: (config: Config) => void navigate(editorOf(config)),
      onDuplicate: (config: Config) => setOpen({ kind: 'duplicate', config }),
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
  const newButton = can.edit && (
    <Button variant="primary" onClick={() => setOpen({ kind: 'new' })}>
      <Plus size={16} aria-hidden />
      New config
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Configs"
        description="How this workspace reads its spreadsheets: fields, detectors and hooks. Jobs run the active config."
        actions={newButton}
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
          description: 'Start one from the roster template, blank, or from a package (.zip), to tell ADE how to read this workspace’s files.',
          icon: <FileArchive size={20} aria-hidden />,
          action: newButton || undefined,
        }}
      >
        {(page) => (
          <ConfigsTable
            configs={page.items}
            actions={actions}
            hrefOf={editorOf}
            sorting={fromSortParam(list.sort)}
            onSortingChange={(s) => list.setSort(toSortParam(s))}
            paging={{ page: page.page, pageSize: page.page_size, total: page.total, onPageChange: list.setPage }}
          />
        )}
      </PageState>

      <Dialog
        open={open?.kind === 'new'}
        onOpenChange={(next) => !next && close()}
        title="New config"
        description="It opens in the editor. Publish it, then activate it to run jobs with it."
      >
        <NewConfigForm
          pending={creating.isPending || importing.isPending}
          error={creating.error ?? importing.error}
          onCancel={close}
          onEdit={() => {
            for (const m of [creating, importing]) if (m.isError) m.reset();
          }}
          onSubmit={submitNew}
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
      {open?.kind === 'versions' && (
        <VersionsDialog
          workspaceId={workspace.id}
          config={open.config}
          onExport={(version) => exporting.mutate({ config: open.config, version })}
          exportError={exporting.error}
          onClose={close}
        />
      )}
      {open?.kind === 'duplicate' && (
        <DuplicateDialog
          workspaceId={workspace.id}
          config={open.config}
          onDone={(copy) => openNew(copy, 'created')}
          onClose={close}
        />
      )}
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
