import { useQuery } from '@tanstack/react-query';

import { Badge, statusLabel } from '@/components/Badge';
import { fromSortParam, toSortParam } from '@/components/DataTable';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { Select } from '@/components/Select';
import { TableSkeleton } from '@/components/TableSkeleton';
import { Toolbar } from '@/components/Toolbar';
import { configsQuery } from '@/features/configs/api/configs';
import { documentsQuery } from '@/features/documents/api/documents';
import { asJobStatus, JOB_STATUSES, jobsQuery } from '@/features/jobs/api/jobs';
import { JobsTable } from '@/features/jobs/components/JobsTable';
import { useLiveJobs } from '@/features/jobs/hooks/useLiveJobs';
import { useListParams } from '@/lib/useListParams';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';

const STATUSES = JOB_STATUSES.map((value) => ({ value, label: statusLabel(value) }));

// Filter choices: the most recent documents and configs (the API caps a page at 200).
const OPTION_PAGE = { page_size: 200, sort: '-created_at' };

export default function JobsPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Jobs', workspace.name);
  const list = useListParams({ sort: '-created_at' });
  const status = asJobStatus(list.get('status'));
  const documentId = list.get('document') ?? undefined;
  const configId = list.get('config') ?? undefined;
  const query = useQuery(
    jobsQuery(workspace.id, {
      page: list.page,
      page_size: list.pageSize,
      sort: list.sort,
      status,
      document_id: documentId,
      config_id: configId,
    }),
  );
  const documents = useQuery(documentsQuery(workspace.id, OPTION_PAGE));
  const configs = useQuery(configsQuery(workspace.id, { page_size: 200 }));
  const live = useLiveJobs(workspace.id);
  const docNames = new Map(documents.data?.items.map((d) => [d.id, d.original_filename]));
  const configNames = new Map(configs.data?.items.map((c) => [c.id, c.title || c.slug]));
  const filtered = status !== undefined || documentId !== undefined || configId !== undefined;
  const onlyStatus = documentId === undefined && configId === undefined ? status : undefined;

  const withCurrent = (options: { value: string; label: string }[], current: string | undefined) =>
    current === undefined || options.some((o) => o.value === current)
      ? options
      : [...options, { value: current, label: current.slice(-8) }];

  return (
    <>
      <PageHeader
        title="Jobs"
        description="Every run of a document through a config."
        actions={live === 'open' ? <Badge tone="success" dot>Live</Badge> : undefined}
      />
      <Toolbar>
        <Select
          aria-label="Status"
          value={status ?? ''}
          onChange={(e) => list.set('status', e.target.value)}
          options={[{ value: '', label: 'All statuses' }, ...STATUSES]}
        />
        <Select
          aria-label="Document"
          value={documentId ?? ''}
          onChange={(e) => list.set('document', e.target.value)}
          options={[
            { value: '', label: 'All documents' },
            ...withCurrent(
              (documents.data?.items ?? []).map((d) => ({ value: d.id, label: d.original_filename })),
              documentId,
            ),
          ]}
        />
        <Select
          aria-label="Config"
          value={configId ?? ''}
          onChange={(e) => list.set('config', e.target.value)}
          options={[
            { value: '', label: 'All configs' },
            ...withCurrent((configs.data?.items ?? []).map((c) => ({ value: c.id, label: c.title || c.slug })), configId),
          ]}
        />
      </Toolbar>
      <PageState
        query={query}
        loadingLabel="Loading jobs"
        skeleton={<TableSkeleton label="Loading jobs" columns={6} />}
        isEmpty={(page) => page.total === 0}
        empty={{
          title: onlyStatus ? `No ${statusLabel(onlyStatus).toLowerCase()} jobs` : filtered ? 'No jobs match' : 'No jobs yet',
          description: filtered ? 'Try other filters.' : 'Run a document to see its job here.',
        }}
      >
        {(page) => (
          <JobsTable
            jobs={page.items}
            hrefOf={(job) => `/w/${workspace.id}/jobs/${job.id}`}
            documentOf={(job) => ({
              href: `/w/${workspace.id}/documents/${job.document_id}`,
              name: docNames.get(job.document_id) ?? job.document_id.slice(-8),
            })}
            configNameOf={(job) => configNames.get(job.config_id) ?? job.config_id.slice(-8)}
            sorting={fromSortParam(list.sort)}
            onSortingChange={(s) => list.setSort(toSortParam(s))}
            paging={{ page: page.page, pageSize: page.page_size, total: page.total, onPageChange: list.setPage }}
          />
        )}
      </PageState>
    </>
  );
}
