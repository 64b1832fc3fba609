import { createColumnHelper, type SortingState } from '@tanstack/react-table';
import { Archive, ArchiveRestore, Copy, Download, History, MoreHorizontal, Pencil, Power, Upload } from 'lucide-react';
import { Link } from 'react-router';

import { Badge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { DataTable, type Paging } from '@/components/DataTable';
import { Menu, MenuItem, MenuSeparator } from '@/components/Menu';
import { formatRelative } from '@/lib/format';

import type { Config } from '../api/configs';
import styles from './ConfigsTable.module.css';

const column = createColumnHelper<Config>();

/** What the user may do to a config (the page derives it from the workspace role). */
export interface ConfigActions {
  onVersions: (config: Config) => void;
  onExport: (config: Config) => void;
  /** Editors: publish the draft, make a config the active one, copy it into a new one. */
  onPublish?: (config: Config) => void;
  onActivate?: (config: Config) => void;
  onDuplicate?: (config: Config) => void;
  /** Owners: archive (read-only) and unarchive. */
  onArchive?: (config: Config) => void;
  onUnarchive?: (config: Config) => void;
  /** Editors: open the config editor on the draft (an archived config is read-only). */
  onEdit?: (config: Config) => void;
}

function RowMenu({ config, actions }: { config: Config; actions: ConfigActions }) {
  const live = !config.archived;
  const canActivate = live && !config.active && config.published_version_id !== null;
  return (
    <Menu
      align="end"
      trigger={
        <Button size="sm" variant="ghost" aria-label={`Actions for ${config.title}`}>
          <MoreHorizontal size={16} aria-hidden />
        </Button>
      }
    >
      {actions.onEdit && live && (
        <MenuItem icon={<Pencil size={14} />} onSelect={() => actions.onEdit?.(config)}>
          Edit
        </MenuItem>
      )}
      {actions.onPublish && live && (
        <MenuItem icon={<Upload size={14} />} onSelect={() => actions.onPublish?.(config)}>
          Publish draft…
        </MenuItem>
      )}
      {actions.onActivate && canActivate && (
        <MenuItem icon={<Power size={14} />} onSelect={() => actions.onActivate?.(config)}>
          Activate
        </MenuItem>
      )}
      {actions.onDuplicate && (
        <MenuItem icon={<Copy size={14} />} onSelect={() => actions.onDuplicate?.(config)}>
          Duplicate…
        </MenuItem>
      )}
      <MenuItem icon={<History size={14} />} onSelect={() => actions.onVersions(config)}>
        Versions
      </MenuItem>
      <MenuItem icon={<Download size={14} />} onSelect={() => actions.onExport(config)}>
        Export draft
      </MenuItem>
      {actions.onArchive && live && (
        <>
          <MenuSeparator />
          <MenuItem icon={<Archive size={14} />} onSelect={() => actions.onArchive?.(config)}>
            Archive…
          </MenuItem>
        </>
      )}
      {actions.onUnarchive && !live && (
        <>
          <MenuSeparator />
          <MenuItem icon={<ArchiveRestore size={14} />} onSelect={() => actions.onUnarchive?.(config)}>
            Unarchive
          </MenuItem>
        </>
      )}
    </Menu>
  );
}

export function ConfigsTable(props: {
  configs: Config[];
  actions: ConfigActions;
  /** Where a config's title links: its editor. */
  hrefOf: (config: Config) => string;
  sorting: SortingState;
  onSortingChange: (sorting: SortingState) => void;
  paging: Paging;
}) {
  const columns = [
    column.accessor('title', {
      header: 'Config',
      cell: (info) => (
        <span className={styles.title}>
          <Link to={props.hrefOf(info.row.original)} className={styles.name}>
            {info.getValue()}
          </Link>
          {info.row.original.active && (
            <Badge tone="success" dot>
              Active
            </Badge>
          )}
          {info.row.original.archived && <Badge tone="warning">Archived</Badge>}
        </span>
      ),
    }),
    column.accessor('slug', { header: 'Slug', cell: (info) => <code>{info.getValue()}</code> }),
    column.accessor('published_semver', {
      header: 'Published',
      enableSorting: false,
      cell: (info) => info.getValue() ?? <span style={{ color: 'var(--text-muted)' }}>Draft only</span>,
    }),
    column.accessor('updated_at', {
      header: 'Updated',
      cell: (info) => <time dateTime={info.getValue()}>{formatRelative(info.getValue())}</time>,
    }),
    column.display({
      id: 'actions',
      header: () => <span className="visually-hidden">Actions</span>,
      cell: (info) => <RowMenu config={info.row.original} actions={props.actions} />,
    }),
  ];
  return (
    <DataTable
      label="Configs"
      columns={columns}
      data={props.configs}
      getRowId={(c) => c.id}
      sorting={props.sorting}
      onSortingChange={props.onSortingChange}
      paging={props.paging}
    />
  );
}
