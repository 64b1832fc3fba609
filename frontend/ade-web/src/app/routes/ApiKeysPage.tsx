import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { ConfirmDialog } from '@/components/ConfirmDialog';
import { fromSortParam, toSortParam } from '@/components/DataTable';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { TableSkeleton } from '@/components/TableSkeleton';
import { useToast } from '@/components/Toast';
import { apiKeysQuery, useRevokeApiKey, type ApiKey } from '@/features/account/api/apiKeys';
import { ApiKeysTable } from '@/features/account/components/ApiKeysTable';
import { useListParams } from '@/lib/useListParams';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

export default function ApiKeysPage() {
  const list = useListParams({ sort: '-created_at' });
  useDocumentTitle('API keys');
  const query = useQuery(apiKeysQuery({ page: list.page, page_size: list.pageSize, sort: list.sort }));
  const revoke = useRevokeApiKey();
  const toast = useToast();
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  return (
    <>
      <PageHeader title="API keys" description="Keys let scripts call the API as you. Send one as the X-API-Key header." />
      <PageState
        query={query}
        loadingLabel="Loading API keys"
        skeleton={<TableSkeleton label="Loading API keys" columns={5} />}
        isEmpty={(page) => page.total === 0}
        empty={{ title: 'No API keys', description: 'Create a key to call ADE from a script or another service.' }}
      >
        {(page) => (
          <ApiKeysTable
            keys={page.items}
            onRevoke={setRevoking}
            sorting={fromSortParam(list.sort)}
            onSortingChange={(s) => list.setSort(toSortParam(s))}
            paging={{ page: page.page, pageSize: page.page_size, total: page.total, onPageChange: list.setPage }}
          />
        )}
      </PageState>
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => {
          if (!open) {
            setRevoking(null);
            revoke.reset();
          }
        }}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        description="Scripts using this key stop working at once. This cannot be undone."
        confirmLabel="Revoke key"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => {
          if (revoking === null) return;
          revoke.mutate(revoking.id, {
            onSuccess: () => {
              toast({ title: `Key “${revoking.name}” revoked`, tone: 'success' });
              setRevoking(null);
            },
          });
        }}
      />
    </>
  );
}
