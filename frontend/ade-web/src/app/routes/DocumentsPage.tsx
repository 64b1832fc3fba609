import { useQuery } from '@tanstack/react-query';

import { fromSortParam, toSortParam } from '@/components/DataTable';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { SearchInput } from '@/components/SearchInput';
import { Toolbar } from '@/components/Toolbar';
import { documentsQuery } from '@/features/documents/api/documents';
import { DocumentsTable } from '@/features/documents/components/DocumentsTable';
import { useListParams } from '@/lib/useListParams';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';

export default function DocumentsPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Documents', workspace.name);
  const list = useListParams({ sort: '-created_at' });
  const query = useQuery(
    documentsQuery(workspace.id, { page: list.page, page_size: list.pageSize, sort: list.sort, q: list.q || undefined }),
  );
  return (
    <>
      <PageHeader title="Documents" description="Spreadsheets uploaded to this workspace." />
      <Toolbar>
        <SearchInput label="Search documents" value={list.q} onChange={list.setQ} />
      </Toolbar>
      <PageState
        query={query}
        loadingLabel="Loading documents"
        isEmpty={(page) => page.total === 0}
        empty={{
          title: list.q ? 'No documents match' : 'No documents yet',
          description: list.q ? 'Try another name.' : 'Upload a spreadsheet to extract its tables.',
        }}
      >
        {(page) => (
          <DocumentsTable
            documents={page.items}
            hrefOf={(d) => `/w/${workspace.id}/documents/${d.id}`}
            sorting={fromSortParam(list.sort)}
            onSortingChange={(s) => list.setSort(toSortParam(s))}
            paging={{ page: page.page, pageSize: page.page_size, total: page.total, onPageChange: list.setPage }}
          />
        )}
      </PageState>
    </>
  );
}
