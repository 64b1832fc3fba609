import { createColumnHelper, type SortingState } from '@tanstack/react-table';

import { Button } from '@/components/Button';
import { DataTable, type Paging } from '@/components/DataTable';
import { formatRelative } from '@/lib/format';

import type { ApiKey } from '../api/apiKeys';

const column = createColumnHelper<ApiKey>();

export function ApiKeysTable(props: {
  keys: ApiKey[];
  onRevoke: (key: ApiKey) => void;
  sorting: SortingState;
  onSortingChange: (sorting: SortingState) => void;
  paging: Paging;
}) {
  const columns = [
    column.accessor('name', { header: 'Name', cell: (info) => <span style={{ fontWeight: 500 }}>{info.getValue()}</span> }),
    column.accessor('prefix', { header: 'Key', enableSorting: false, cell: (info) => <code>{info.getValue()}…</code> }),
    column.accessor('created_at', {
      header: 'Created',
      cell: (info) => <time dateTime={info.getValue()}>{formatRelative(info.getValue())}</time>,
    }),
    column.accessor('last_used_at', {
      header: 'Last used',
      cell: (info) => {
        const value = info.getValue();
        return value === null ? 'Never' : <time dateTime={value}>{formatRelative(value)}</time>;
      },
    }),
    column.accessor('expires_at', {
      header: 'Expires',
      cell: (info) => {
        const value = info.getValue();
        return value === null ? 'Never' : <time dateTime={value}>{formatRelative(value)}</time>;
      },
    }),
    column.display({
      id: 'actions',
      header: () => <span className="visually-hidden">Actions</span>,
      cell: (info) => (
        <Button size="sm" variant="ghost" onClick={() => props.onRevoke(info.row.original)} aria-label={`Revoke ${info.row.original.name}`}>
          Revoke
        </Button>
      ),
    }),
  ];
  return (
    <DataTable
      label="API keys"
      columns={columns}
      data={props.keys}
      getRowId={(k) => k.id}
      sorting={props.sorting}
      onSortingChange={props.onSortingChange}
      paging={props.paging}
    />
  );
}
