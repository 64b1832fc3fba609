import { createColumnHelper, type SortingState } from '@tanstack/react-table';

import { errorMessage } from '@/api/errors';
import { Badge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { DataTable, type Paging } from '@/components/DataTable';
import { Select } from '@/components/Select';
import { formatRelative } from '@/lib/format';

import { isRole, ROLE_OPTIONS, type Member, type WorkspaceRole } from '../api/workspaces';
import styles from './Members.module.css';

/** A failed change to one member's row, shown next to the control that made it. */
export interface RowError {
  userId: string;
  error: unknown;
}

export interface MembersTableProps {
  members: Member[];
  /** The signed-in user: their own row offers "Leave" instead of "Remove". */
  currentUserId: string | undefined;
  /** Owners change roles and remove members; others only see them (and may leave). */
  canManage: boolean;
  onRoleChange: (member: Member, role: WorkspaceRole) => void;
  onRemove: (member: Member) => void;
  /** The member whose role change is on its way. */
  pendingUserId?: string | null;
  roleError?: RowError | null;
  sorting: SortingState;
  onSortingChange: (sorting: SortingState) => void;
  paging: Paging;
}

const column = createColumnHelper<Member>();

export function MembersTable(props: MembersTableProps) {
  const { canManage, currentUserId } = props;
  const columns = [
    column.accessor('email', {
      header: 'Member',
      cell: (info) => {
        const member = info.row.original;
        return (
          <span className={styles.who}>
            <span className={styles.name}>
              {member.display_name ?? member.email}
              {member.user_id === currentUserId && <span className={styles.you}>(you)</span>}
            </span>
            {member.display_name && <span className={styles.email}>{member.email}</span>}
          </span>
        );
      },
    }),
    column.accessor('role', {
      header: 'Role',
      cell: (info) => {
        const member = info.row.original;
        const name = member.display_name ?? member.email;
        if (!canManage) {
          return <Badge tone={member.role === 'owner' ? 'accent' : 'neutral'}>{member.role}</Badge>;
        }
        const error = props.roleError?.userId === member.user_id ? props.roleError.error : null;
        const errorId = `role-error-${member.user_id}`;
        return (
          <span className={styles.role}>
            <Select
              aria-label={`Role of ${name}`}
              options={ROLE_OPTIONS}
              value={member.role}
              disabled={props.pendingUserId === member.user_id}
              invalid={error !== null}
              aria-describedby={error !== null ? errorId : undefined}
              onChange={(event) => {
                const role = event.target.value;
                if (isRole(role) && role !== member.role) props.onRoleChange(member, role);
              }}
            />
            {error !== null && (
              <span id={errorId} role="alert" className={styles.inlineError}>
                {errorMessage(error)}
              </span>
            )}
          </span>
        );
      },
    }),
    column.accessor('created_at', {
      header: 'Joined',
      cell: (info) => <time dateTime={info.getValue()}>{formatRelative(info.getValue())}</time>,
    }),
    column.display({
      id: 'actions',
      header: () => <span className="visually-hidden">Actions</span>,
      cell: (info) => {
        const member = info.row.original;
        const self = member.user_id === currentUserId;
        if (!canManage && !self) return null;
        const name = member.display_name ?? member.email;
        return (
          <span className={styles.actions}>
            <Button size="sm" variant="ghost" onClick={() => props.onRemove(member)} aria-label={self ? 'Leave workspace' : `Remove ${name}`}>
              {self ? 'Leave' : 'Remove'}
            </Button>
          </span>
        );
      },
    }),
  ];
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
