import { createColumnHelper } from '@tanstack/react-table';
import { Download } from 'lucide-react';

import { StatusBadge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { DataTable } from '@/components/DataTable';
import { formatDateTime } from '@/lib/format';

import type { ConfigVersion } from '../api/configs';

const column = createColumnHelper<ConfigVersion>();

const columns = [
  column.accessor('semver', {
    header: 'Version',
    cell: (info) => info.getValue() ?? <span style={{ color: 'var(--text-muted)' }}>Draft</span>,
  }),
  column.accessor('status', { header: 'Status', cell: (info) => <StatusBadge status={info.getValue()} /> }),
  column.accessor('published_at', {
    header: 'Published',
    cell: (info) => {
      const value = info.getValue();
      return value === null ? '—' : <time dateTime={value}>{formatDateTime(value)}</time>;
    },
  }),
  column.accessor('message', { header: 'Message', enableSorting: false, cell: (info) => info.getValue() ?? '' }),
];

function versionName(version: ConfigVersion): string {
  return version.semver ?? (version.status === 'draft' ? 'the draft' : 'this discarded draft');
}

/** A config's versions: the draft, the published one, the deprecated and discarded ones. With
 * `onExport`, each row has a button to download that version as a zip. */
export function VersionsTable({
  versions,
  onExport,
}: {
  versions: ConfigVersion[];
  onExport?: (version: ConfigVersion) => void;
}) {
  const all = onExport
    ? [
        ...columns,
        column.display({
          id: 'export',
          header: () => <span className="visually-hidden">Export</span>,
          cell: (info) => (
            <Button
              size="sm"
              variant="ghost"
              aria-label={`Export ${versionName(info.row.original)} as a zip`}
              onClick={() => onExport(info.row.original)}
            >
              <Download size={14} aria-hidden />
              .zip
            </Button>
          ),
        }),
      ]
    : columns;
  return <DataTable label="Versions" columns={all} data={versions} getRowId={(v) => v.version_id} />;
}
