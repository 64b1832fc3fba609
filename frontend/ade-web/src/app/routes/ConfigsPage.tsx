import { useQuery } from '@tanstack/react-query';

import { fromSortParam, toSortParam } from '@/components/DataTable';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { configsQuery } from '@/features/configs/api/configs';
import { ConfigsTable } from '@/features/configs/components/ConfigsTable';
import { useListParams } from '@/lib/useListParams';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';

export default function ConfigsPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Configs', workspace.name);
  const list = useListParams({ sort: '-created_at' });
  const query = useQuery(configsQuery(workspace.id, { page: list.page, page_size: list.pageSize, sort: list.sort }));
  return (
    <>
      <PageHeader title="Configs" description="How this workspace reads its spreadsheets: fields, detectors and hooks." />
      <PageState
        query={query}
        loadingLabel="Loading configs"
        isEmpty={(page) => page.total === 0}
        empty={{ title: 'No configs yet', description: 'Import a config package or create one from the example.' }}
      >
        {(page) => (
          <ConfigsTable
            configs={page.items}
            sorting={fromSortParam(list.sort)}
            onSortingChange={(s) => list.setSort(toSortParam(s))}
            paging={{ page: page.page, pageSize: page.page_size, total: page.total, onPageChange: list.setPage }}
          />
        )}
      </PageState>
    </>
  );
}
