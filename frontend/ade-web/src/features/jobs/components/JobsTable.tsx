import { createColumnHelper, type SortingState } from '@tanstack/react-table';
import { Link } from 'react-router';

import { StatusBadge } from '@/components/Badge';
import { DataTable, type Paging } from '@/components/DataTable';
import { formatDuration, formatRelative } from '@/lib/format';

import type { Job } from '../api/jobs';
import { jobDuration } from './JobSummary';

const column = createColumnHelper<Job>();

function elapsed(job: Job): string {
  const duration = jobDuration(job);
  return duration === null ? '—' : formatDuration(duration);
}

export interface JobsTableProps {
  jobs: Job[];
  hrefOf: (job: Job) => string;
  /** The document's page and name (a short id when the name is not known). */
  documentOf?: (job: Job) => { href: string; name: string };
  /** The config's name (a short id when not known). */
  configNameOf?: (job: Job) => string;
  sorting: SortingState;
  onSortingChange: (sorting: SortingState) => void;
  paging: Paging;
}

export function JobsTable({ jobs, hrefOf, documentOf, configNameOf, sorting, onSortingChange, paging }: JobsTableProps) {
  const columns = [
    column.accessor('id', {
      header: 'Job',
      enableSorting: false,
      cell: (info) => (
        <Link to={hrefOf(info.row.original)} className="mono">
          {info.getValue().slice(-8)}
        </Link>
      ),
    }),
    column.accessor('status', { header: 'Status', cell: (info) => <StatusBadge status={info.getValue()} /> }),
    column.accessor('document_id', {
      header: 'Document',
      enableSorting: false,
      cell: (info) => {
        const doc = documentOf?.(info.row.original);
        return doc ? <Link to={doc.href}>{doc.name}</Link> : <span className="mono">{info.getValue().slice(-8)}</span>;
      },
    }),
    column.accessor('config_id', {
      header: 'Config',
      enableSorting: false,
      cell: (info) => configNameOf?.(info.row.original) ?? <span className="mono">{info.getValue().slice(-8)}</span>,
    }),
    column.display({ id: 'elapsed', header: 'Duration', cell: (info) => elapsed(info.row.original) }),
    column.accessor('cache_hit', {
      header: 'Cache',
      enableSorting: false,
      cell: (info) => (info.getValue() ? 'Hit' : '—'),
    }),
    column.accessor('created_at', {
      header: 'Submitted',
      cell: (info) => <time dateTime={info.getValue()}>{formatRelative(info.getValue())}</time>,
    }),
  ];
  return (
    <DataTable
      label="Jobs"
      columns={columns}
      data={jobs}
      getRowId={(j) => j.id}
      sorting={sorting}
      onSortingChange={onSortingChange}
      paging={paging}
    />
  );
}
