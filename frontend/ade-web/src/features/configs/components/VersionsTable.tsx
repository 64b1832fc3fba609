import { createColumnHelper } from '@tanstack/react-table';

import { StatusBadge } from '@/components/Badge';
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

/** A config's versions: the draft, the published one and the deprecated ones. */
export function VersionsTable({ versions }: { versions: ConfigVersion[] }) {
  return <DataTable label="Versions" columns={columns} data={versions} getRowId={(v) => v.version_id} />;
}
