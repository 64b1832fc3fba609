import { useQuery } from '@tanstack/react-query';

import { fromSortParam, toSortParam } from '@/components/DataTable';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { TableSkeleton } from '@/components/TableSkeleton';
import { membersQuery } from '@/features/workspaces/api/workspaces';
import { MembersTable } from '@/features/workspaces/components/MembersTable';
import { useListParams } from '@/lib/useListParams';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';

export default function MembersPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Members', workspace.name);
  const list = useListParams({ sort: 'email' });
  const query = useQuery(membersQuery(workspace.id, { page: list.page, page_size: list.pageSize, sort: list.sort }));
  return (
    <>
      <PageHeader title="Members" description={`People who can open ${workspace.name}, and their roles.`} />
      <PageState query={query} loadingLabel="Loading members" skeleton={<TableSkeleton label="Loading members" columns={3} />}>
        {(page) => (
          <MembersTable
            members={page.items}
            sorting={fromSortParam(list.sort)}
            onSortingChange={(s) => list.setSort(toSortParam(s))}
            paging={{ page: page.page, pageSize: page.page_size, total: page.total, onPageChange: list.setPage }}
          />
        )}
      </PageState>
    </>
  );
}
