import { useState } from 'react';
import { useNavigate } from 'react-router';

import { Button } from '@/components/Button';
import { PageHeader } from '@/components/PageHeader';
import { useToast } from '@/components/Toast';
import { useDeleteWorkspace, useUpdateWorkspace } from '@/features/workspaces/api/workspaces';
import { DeleteWorkspaceDialog } from '@/features/workspaces/components/DeleteWorkspaceDialog';
import { WorkspaceSettingsForm } from '@/features/workspaces/components/WorkspaceSettingsForm';
import { permissions } from '@/lib/permissions';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';
import styles from './WorkspaceSettingsPage.module.css';

/** `/w/:id/settings`: rename the workspace; owners may delete it. */
export default function WorkspaceSettingsPage() {
  const workspace = useCurrentWorkspace();
  useDocumentTitle('Settings', workspace.name);
  const can = permissions(workspace.role);
  const update = useUpdateWorkspace(workspace.id);
  const remove = useDeleteWorkspace(workspace.id);
  const toast = useToast();
  const navigate = useNavigate();
  const [deleting, setDeleting] = useState(false);
  return (
    <>
      <PageHeader
        title="Workspace settings"
        description={can.manage ? `Name and delete ${workspace.name}.` : `Only owners can change ${workspace.name}; you are ${workspace.role}.`}
      />
      <section className={styles.section} aria-labelledby="general-heading">
        <h2 id="general-heading" className={styles.heading}>
          General
        </h2>
        <WorkspaceSettingsForm
          key={workspace.updated_at}
          workspace={workspace}
          canEdit={can.manage}
          pending={update.isPending}
          error={update.error}
          onSubmit={(changes) => {
            update.mutate(changes, { onSuccess: (w) => toast({ title: `Saved “${w.name}”`, tone: 'success' }) });
          }}
        />
      </section>
      {can.manage && (
        <section className={`${styles.section} ${styles.danger}`} aria-labelledby="danger-heading">
          <h2 id="danger-heading" className={styles.heading}>
            Delete this workspace
          </h2>
          <p className={styles.text}>Deletes its documents, jobs, configs and members for good.</p>
          <div>
            <Button variant="danger" onClick={() => setDeleting(true)}>
              Delete workspace…
            </Button>
          </div>
        </section>
      )}
      <DeleteWorkspaceDialog
        workspace={workspace}
        open={deleting}
        onOpenChange={(open) => {
          if (!open) remove.reset();
          setDeleting(open);
        }}
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => {
          remove.mutate(undefined, {
            onSuccess: () => {
              toast({ title: `Workspace “${workspace.name}” deleted`, tone: 'success' });
              void navigate('/', { replace: true });
            },
          });
        }}
      />
    </>
  );
}
