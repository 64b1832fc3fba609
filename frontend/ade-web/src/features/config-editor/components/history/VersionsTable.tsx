import { createColumnHelper } from '@tanstack/react-table';
import { GitCompare } from 'lucide-react';

import { StatusBadge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { CopyButton } from '@/components/CopyButton';
import { DataTable } from '@/components/DataTable';
import { Tooltip } from '@/components/Tooltip';
import { formatDateTime } from '@/lib/format';

import type { Member, Version } from '../../api/history';
import styles from './History.module.css';
import { canRestore, canRevert, draftFirst, shortHash, versionAuthor, versionLabel, versionPhrase, versionTime } from './versions';

export interface VersionActions {
  compare: (version: Version) => void;
  /** Editors only: leave out for viewers. */
  revert?: (version: Version) => void;
  restore?: (version: Version) => void;
}

const column = createColumnHelper<Version>();

function columnsFor(members: Member[] | undefined, actions: VersionActions) {
  return [
    column.accessor(versionLabel, {
      id: 'version',
      header: 'Version',
      enableSorting: false,
    }),
    column.accessor('status', { header: 'Status', enableSorting: false, cell: (info) => <StatusBadge status={info.getValue()} /> }),
    column.accessor('message', { header: 'Message', enableSorting: false, cell: (info) => info.getValue() ?? '' }),
    column.accessor((v) => versionAuthor(v, members), { id: 'by', header: 'By', enableSorting: false, cell: (info) => info.getValue() ?? '—' }),
    column.accessor(versionTime, {
      id: 'when',
      header: 'When',
      enableSorting: false,
      cell: (info) => (
        <time className={styles.nowrap} dateTime={info.getValue()}>
          {formatDateTime(info.getValue())}
        </time>
      ),
    }),
    column.accessor('files_hash', {
      header: 'Files hash',
      enableSorting: false,
      cell: (info) => (
        <span className={styles.hash} title={info.getValue()}>
          <CopyButton text={info.getValue()} label={shortHash(info.getValue())} />
        </span>
      ),
    }),
    column.display({
      id: 'actions',
      header: () => <span className="visually-hidden">Actions</span>,
      cell: ({ row: { original: version } }) => {
        const label = versionPhrase(version);
        return (
          <div className={styles.actions}>
            {version.status !== 'draft' && (
              <Tooltip content="Compare with the draft">
                <Button size="sm" variant="ghost" aria-label={`Compare ${label} with the draft`} onClick={() => actions.compare(version)}>
                  <GitCompare size={14} aria-hidden />
                </Button>
              </Tooltip>
            )}
            {actions.revert && canRevert(version) && (
              <Button size="sm" onClick={() => actions.revert?.(version)}>
                Revert to {label}
              </Button>
            )}
            {actions.restore && canRestore(version) && (
              <Button size="sm" aria-label={`Restore ${label}`} onClick={() => actions.restore?.(version)}>
                Restore
              </Button>
            )}
          </div>
        );
      },
    }),
  ];
}

/** Every version of the config with who, when and its files_hash; compare, revert, restore. */
export function VersionsTable({ versions, members, actions }: { versions: Version[]; members: Member[] | undefined; actions: VersionActions }) {
  return <DataTable label="Versions" columns={columnsFor(members, actions)} data={draftFirst(versions)} getRowId={(v) => v.version_id} />;
}
