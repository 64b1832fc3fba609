import { useQuery } from '@tanstack/react-query';
import { UserPlus } from 'lucide-react';
import { useState } from 'react';
import { useNavigate } from 'react-router';

import { Button } from '@/components/Button';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { fromSortParam, toSortParam } from '@/components/DataTable';
import { Dialog } from '@/components/Dialog';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { TableSkeleton } from '@/components/TableSkeleton';
import { useToast } from '@/components/Toast';
import { useMe } from '@/features/auth/api/auth';
import {
  membersQuery,
  useAddMember,
  useRemoveMember,
  useUpdateMember,
  type Member,
} from '@/features/workspaces/api/workspaces';
import { AddMemberForm } from '@/features/workspaces/components/AddMemberForm';
import { MembersTable } from '@/features/workspaces/components/MembersTable';
import { permissions } from '@/lib/permissions';
import { useListParams } from '@/lib/useListParams';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';

const nameOf = (m: Member) => m.display_name ?? m.email;

export default function MembersPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Members', workspace.name);
  const can = permissions(workspace.role);
  const me = useMe();
  const navigate = useNavigate();
  const toast = useToast();
  const list = useListParams({ sort: 'email' });
  const query = useQuery(membersQuery(workspace.id, { page: list.page, page_size: list.pageSize, sort: list.sort }));
  const add = useAddMember(workspace.id);
  const update = useUpdateMember(workspace.id);
  const remove = useRemoveMember(workspace.id);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const leaving = removing !== null && removing.user_id === me.data?.id;

  const closeAdd = (open: boolean) => {
    if (!open) add.reset();
    setAdding(open);
  };

  return (
    <>
      <PageHeader
        title="Members"
        description={`People who can open ${workspace.name}, and their roles.`}
        actions={
          can.manage && (
            <Button variant="primary" onClick={() => setAdding(true)}>
              <UserPlus size={16} aria-hidden />
              Add member
            </Button>
          )
        }
      />
      <PageState
        query={query}
        loadingLabel="Loading members"
        skeleton={<TableSkeleton label="Loading members" columns={3} />}
      >
        {(page) => (
          <MembersTable
            members={page.items}
            currentUserId={me.data?.id}
            canManage={can.manage}
            pendingUserId={update.isPending ? update.variables.userId : null}
            roleError={update.isError ? { userId: update.variables.userId, error: update.error } : null}
            onRoleChange={(member, role) => {
              update.mutate(
                { userId: member.user_id, role },
                { onSuccess: () => toast({ title: `${nameOf(member)} is now ${role}`, tone: 'success' }) },
              );
            }}
            onRemove={setRemoving}
            sorting={fromSortParam(list.sort)}
            onSortingChange={(s) => list.setSort(toSortParam(s))}
            paging={{ page: page.page, pageSize: page.page_size, total: page.total, onPageChange: list.setPage }}
          />
        )}
      </PageState>
      <Dialog open={adding} onOpenChange={closeAdd} title="Add member" description={`Give someone access to ${workspace.name}.`}>
        <AddMemberForm
          pending={add.isPending}
          error={add.error}
          onCancel={() => closeAdd(false)}
          onSubmit={(values) => {
            add.mutate(values, {
              onSuccess: (member) => {
                toast({ title: `${nameOf(member)} added as ${member.role}`, tone: 'success' });
                closeAdd(false);
              },
            });
          }}
        />
      </Dialog>
      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(open) => {
          if (!open) {
            setRemoving(null);
            remove.reset();
          }
        }}
        title={leaving ? `Leave ${workspace.name}?` : `Remove ${removing ? nameOf(removing) : ''}?`}
        description={
          leaving
            ? 'You lose access to its documents, jobs and configs until an owner adds you again.'
            : 'They lose access to this workspace at once. Their uploads and jobs stay.'
        }
        confirmLabel={leaving ? 'Leave workspace' : 'Remove member'}
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => {
          if (removing === null) return;
          remove.mutate(removing.user_id, {
            onSuccess: () => {
              setRemoving(null);
              if (leaving) {
                toast({ title: `You left ${workspace.name}`, tone: 'success' });
                void navigate('/', { replace: true });
              } else {
                toast({ title: `${nameOf(removing)} removed`, tone: 'success' });
              }
            },
          });
        }}
      />
    </>
  );
}
