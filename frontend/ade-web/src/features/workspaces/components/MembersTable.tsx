import { createColumnHelper, type SortingState } from '@tanstack/react-table';

import { Badge } from '@/components/Badge';
import { DataTable, type Paging } from '@/components/DataTable';
import { formatRelative } from '@/lib/format';

import type { Member } from '../api/workspaces';

const column = createColumnHelper<Member>();

const columns = [
  column.accessor('email', {
    header: 'Member',
    cell: (info) => (
      <span>
        <span style={{ fontWeight: 500 }}>{info.row.original.display_name ?? info.getValue()}</span>
        {info.row.original.display_name && <span style={{ color: 'var(--text-muted)' }}> · {info.getValue()}</span>}
      </span>
    ),
  }),
  column.accessor('role', {
    header: 'Role',
    cell: (info) => <Badge tone={info.getValue() === 'owner' ? 'accent' : 'neutral'}>{info.getValue()}</Badge>,
  }),
  column.accessor('created_at', {
    header: 'Joined',
    cell: (info) => <time dateTime={info.getValue()}>{formatRelative(info.getValue())}</time>,
  }),
];

export function MembersTable(props: {
  members: Member[];
  sorting: SortingState;
  onSortingChange: (sorting: SortingState) => void;
  paging: Paging;
}) {
  return (
    <DataTable
      label="Members"
      columns={columns}
      data={props.members}
      getRowId={(m) => m.user_id}
      sorting={props.sorting}
      onSortingChange={props.onSortingChange}
      paging={props.paging}
    />
  );
}
