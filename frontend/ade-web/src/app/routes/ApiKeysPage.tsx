import { useQuery } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import { useState } from 'react';

import { Button } from '@/components/Button';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { fromSortParam, toSortParam } from '@/components/DataTable';
import { Dialog } from '@/components/Dialog';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { TableSkeleton } from '@/components/TableSkeleton';
import { useToast } from '@/components/Toast';
import { apiKeysQuery, useCreateApiKey, useRevokeApiKey, type ApiKey } from '@/features/account/api/apiKeys';
import { ApiKeySecret } from '@/features/account/components/ApiKeySecret';
import { ApiKeysTable } from '@/features/account/components/ApiKeysTable';
import { CreateApiKeyForm } from '@/features/account/components/CreateApiKeyForm';
import { useListParams } from '@/lib/useListParams';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

export default function ApiKeysPage() {
  const list = useListParams({ sort: '-created_at' });
  useDocumentTitle('API keys');
  const query = useQuery(apiKeysQuery({ page: list.page, page_size: list.pageSize, sort: list.sort }));
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const newButton = (
    <Button variant="primary" onClick={() => setCreating(true)}>
      <Plus size={16} aria-hidden />
      Create API key
    </Button>
  );
  // The new key's secret lives only in the mutation's answer: shown once, gone on "Done".
  const created = create.data;
  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let scripts call the API as you. Send one as the X-API-Key header."
        actions={newButton}
      />
      <PageState
        query={query}
        loadingLabel="Loading API keys"
        skeleton={<TableSkeleton label="Loading API keys" columns={5} />}
        isEmpty={(page) => page.total === 0}
        empty={{
          title: 'No API keys',
          description: 'Create a key to call ADE from a script or another service.',
          action: newButton,
        }}
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
      <Dialog
        open={creating && created === undefined}
        onOpenChange={(open) => {
          if (!open) create.reset();
          setCreating(open);
        }}
        title="Create API key"
        description="The key acts as you in every workspace you belong to."
      >
        <CreateApiKeyForm
          pending={create.isPending}
          error={create.error}
          onCancel={() => {
            create.reset();
            setCreating(false);
          }}
          onSubmit={(values) => create.mutate(values)}
        />
      </Dialog>
      <Dialog
        open={created !== undefined}
        onOpenChange={(open) => {
          if (!open) {
            create.reset();
            setCreating(false);
          }
        }}
        title={`Key “${created?.name ?? ''}” created`}
        footer={
          <Button
            variant="primary"
            onClick={() => {
              create.reset();
              setCreating(false);
            }}
          >
            Done
          </Button>
        }
      >
        {created && <ApiKeySecret apiKey={created} />}
      </Dialog>
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
