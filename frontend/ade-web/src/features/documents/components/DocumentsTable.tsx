import { createColumnHelper, type SortingState } from '@tanstack/react-table';
import { FileSpreadsheet, Trash2 } from 'lucide-react';
import { Link } from 'react-router';

import { Badge, StatusBadge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { DataTable, type Paging } from '@/components/DataTable';
import { formatBytes, formatRelative } from '@/lib/format';

import type { Document } from '../api/documents';
import styles from './DocumentsTable.module.css';

const column = createColumnHelper<Document>();

export interface DocumentsTableProps {
  documents: Document[];
  /** The href of a document's page. */
  hrefOf: (document: Document) => string;
  sorting: SortingState;
  onSortingChange: (sorting: SortingState) => void;
  paging: Paging;
  /** Delete (asks first); absent for those who may not. */
  onDelete?: (document: Document) => void;
}

export function DocumentsTable({ documents, hrefOf, sorting, onSortingChange, paging, onDelete }: DocumentsTableProps) {
  const columns = [
    column.accessor('original_filename', {
      id: 'original_filename',
      header: 'Name',
      cell: (info) => (
        <Link to={hrefOf(info.row.original)} className={styles.name}>
          <FileSpreadsheet size={16} aria-hidden className={styles.icon} />
          <span>{info.getValue()}</span>
        </Link>
      ),
    }),
    column.accessor('file_type', {
      header: 'Type',
      enableSorting: false,
      cell: (info) => <Badge>{info.getValue().toUpperCase()}</Badge>,
    }),
    column.accessor('size', { header: 'Size', cell: (info) => <span className={styles.num}>{formatBytes(info.getValue())}</span> }),
    column.accessor('created_at', {
      header: 'Uploaded',
      cell: (info) => <time dateTime={info.getValue()}>{formatRelative(info.getValue())}</time>,
    }),
    column.display({
      id: 'status',
      header: 'Latest job',
      cell: ({ row }) => {
        const job = row.original.latest_job;
        return job ? <StatusBadge status={job.status} /> : <span className={styles.num}>Not run</span>;
      },
    }),
    ...(onDelete
      ? [
          column.display({
            id: 'actions',
            header: () => <span className="visually-hidden">Actions</span>,
            size: 48,
            cell: ({ row }) => (
              <Button size="sm" variant="ghost" aria-label={`Delete ${row.original.original_filename}`} onClick={() => onDelete(row.original)}>
                <Trash2 size={14} aria-hidden />
              </Button>
            ),
          }),
        ]
      : []),
  ];
  return (
    <DataTable
      label="Documents"
      columns={columns}
      data={documents}
      getRowId={(d) => d.id}
      sorting={sorting}
      onSortingChange={onSortingChange}
      paging={paging}
    />
  );
}
