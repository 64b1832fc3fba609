import { useQuery } from '@tanstack/react-query';

import { fromSortParam, toSortParam } from '@/components/DataTable';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { jobsQuery } from '@/features/jobs/api/jobs';
import { JobsTable } from '@/features/jobs/components/JobsTable';
import { useListParams } from '@/lib/useListParams';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';

export default function JobsPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Jobs', workspace.name);
  const list = useListParams({ sort: '-created_at' });
  const query = useQuery(jobsQuery(workspace.id, { page: list.page, page_size: list.pageSize, sort: list.sort }));
  return (
    <>
      <PageHeader title="Jobs" description="Every run of a document through a config." />
      <PageState
        query={query}
        loadingLabel="Loading jobs"
        isEmpty={(page) => page.total === 0}
        empty={{ title: 'No jobs yet', description: 'Run a document to see its job here.' }}
      >
        {(page) => (
          <JobsTable
            jobs={page.items}
            hrefOf={(job) => `/w/${workspace.id}/jobs/${job.id}`}
            sorting={fromSortParam(list.sort)}
            onSortingChange={(s) => list.setSort(toSortParam(s))}
            paging={{ page: page.page, pageSize: page.page_size, total: page.total, onPageChange: list.setPage }}
          />
        )}
      </PageState>
    </>
  );
}
