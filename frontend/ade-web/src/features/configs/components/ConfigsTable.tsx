import { createColumnHelper, type SortingState } from '@tanstack/react-table';

import { Badge } from '@/components/Badge';
import { DataTable, type Paging } from '@/components/DataTable';
import { formatRelative } from '@/lib/format';

import type { Config } from '../api/configs';

const column = createColumnHelper<Config>();

const columns = [
  column.accessor('title', {
    header: 'Config',
    cell: (info) => (
      <span style={{ display: 'inline-flex', alignItems: 'center', gap: 8 }}>
        <span style={{ fontWeight: 500 }}>{info.getValue()}</span>
        {info.row.original.active && <Badge tone="success">Active</Badge>}
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
];

export function ConfigsTable(props: {
  configs: Config[];
  sorting: SortingState;
  onSortingChange: (sorting: SortingState) => void;
  paging: Paging;
}) {
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
