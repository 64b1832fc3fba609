import { useQuery } from '@tanstack/react-query';

import { fromSortParam, toSortParam } from '@/components/DataTable';
import { PageHeader } from '@/components/PageHeader';
import { statusLabel } from '@/components/Badge';
import { PageState } from '@/components/PageState';
import { Select } from '@/components/Select';
import { Toolbar } from '@/components/Toolbar';
import { TableSkeleton } from '@/components/TableSkeleton';
import { asJobStatus, JOB_STATUSES, jobsQuery } from '@/features/jobs/api/jobs';
import { JobsTable } from '@/features/jobs/components/JobsTable';
import { useListParams } from '@/lib/useListParams';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';

export default function JobsPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Jobs', workspace.name);
  const list = useListParams({ sort: '-created_at' });
  const status = asJobStatus(list.get('status'));
  const query = useQuery(
    jobsQuery(workspace.id, { page: list.page, page_size: list.pageSize, sort: list.sort, status }),
  );
  return (
    <>
      <PageHeader title="Jobs" description="Every run of a document through a config." />
      <Toolbar>
        <label className="visually-hidden" htmlFor="job-status">
          Status
        </label>
        <Select
          id="job-status"
          value={status ?? ''}
          onChange={(event) => list.set('status', event.target.value || undefined)}
          options={[{ value: '', label: 'All statuses' }, ...JOB_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))]}
        />
      </Toolbar>
      <PageState
        query={query}
        loadingLabel="Loading jobs"
        skeleton={<TableSkeleton label="Loading jobs" columns={5} />}
        isEmpty={(page) => page.total === 0}
        empty={
          status
            ? { title: `No ${statusLabel(status).toLowerCase()} jobs`, description: 'Try another status.' }
            : { title: 'No jobs yet', description: 'Run a document to see its job here.' }
        }
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
