import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { ConfirmDialog } from '@/components/ConfirmDialog';
import { fromSortParam, toSortParam } from '@/components/DataTable';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { TableSkeleton } from '@/components/TableSkeleton';
import { SearchInput } from '@/components/SearchInput';
import { Toolbar } from '@/components/Toolbar';
import { documentsQuery, useDeleteDocument, type Document } from '@/features/documents/api/documents';
import { DocumentsTable } from '@/features/documents/components/DocumentsTable';
import { UploadPanel } from '@/features/documents/components/UploadPanel';
import { useLiveDocuments } from '@/features/documents/hooks/useLiveDocuments';
import { useUploads } from '@/features/documents/hooks/useUploads';
import { permissions } from '@/lib/permissions';
import { useListParams } from '@/lib/useListParams';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';
import styles from './DetailPage.module.css';

export default function DocumentsPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Documents', workspace.name);
  const can = permissions(workspace.role);
  const list = useListParams({ sort: '-created_at' });
  const query = useQuery(
    documentsQuery(workspace.id, { page: list.page, page_size: list.pageSize, sort: list.sort, q: list.q || undefined }),
  );
  const live = useLiveDocuments(workspace.id);
  const uploads = useUploads(workspace.id);
  const remove = useDeleteDocument(workspace.id);
  const [deleting, setDeleting] = useState<Document | null>(null);
  const hrefOf = (id: string) => `/w/${workspace.id}/documents/${id}`;
  return (
    <>
      <PageHeader
        title="Documents"
        description="Spreadsheets uploaded to this workspace."
        actions={live === 'open' ? <span className={styles.live}>Live</span> : undefined}
      />
      {can.edit && (
        <UploadPanel items={uploads.items} onFiles={uploads.add} onCancel={uploads.cancel} onClear={uploads.clearFinished} hrefOf={hrefOf} />
      )}
      <Toolbar>
        <SearchInput label="Search documents" value={list.q} onChange={list.setQ} />
      </Toolbar>
      <PageState
        query={query}
        loadingLabel="Loading documents"
        skeleton={<TableSkeleton label="Loading documents" columns={4} />}
        isEmpty={(page) => page.total === 0}
        empty={{
          title: list.q ? 'No documents match' : 'No documents yet',
          description: list.q ? 'Try another name.' : can.edit ? 'Drop spreadsheets above to upload them.' : 'Nothing has been uploaded here yet.',
        }}
      >
        {(page) => (
          <DocumentsTable
            documents={page.items}
            hrefOf={(d) => hrefOf(d.id)}
            sorting={fromSortParam(list.sort)}
            onSortingChange={(s) => list.setSort(toSortParam(s))}
            paging={{ page: page.page, pageSize: page.page_size, total: page.total, onPageChange: list.setPage }}
            onDelete={
              can.edit
                ? (d) => {
                    remove.reset();
                    setDeleting(d);
                  }
                : undefined
            }
          />
        )}
      </PageState>
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => {
          if (!open) setDeleting(null);
        }}
        title="Delete this document?"
        description={`“${deleting?.original_filename ?? ''}” and its finished jobs are deleted for good.`}
        confirmLabel="Delete"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => {
          if (deleting) remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) });
        }}
      />
    </>
  );
}
