import { Dialog } from '@/components/Dialog';
import { useToast } from '@/components/Toast';
import { useCreateWorkspace, type Workspace } from '@/features/workspaces/api/workspaces';
import { CreateWorkspaceForm } from '@/features/workspaces/components/CreateWorkspaceForm';

/** The "Create workspace" dialog: the form, the mutation, a toast, then `onCreated`. */
export function CreateWorkspaceDialog({
  open,
  onOpenChange,
  onCreated,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onCreated: (workspace: Workspace) => void;
}) {
  const create = useCreateWorkspace();
  const toast = useToast();
  const close = (next: boolean) => {
    if (!next) create.reset();
    onOpenChange(next);
  };
  return (
    <Dialog open={open} onOpenChange={close} title="Create workspace" description="A workspace holds documents, configs and members.">
      <CreateWorkspaceForm
        pending={create.isPending}
        error={create.error}
        onCancel={() => close(false)}
        onSubmit={(values) => {
          create.mutate(values, {
            onSuccess: (workspace) => {
              toast({ title: `Workspace “${workspace.name}” created`, tone: 'success' });
              close(false);
              onCreated(workspace);
            },
          });
        }}
      />
    </Dialog>
  );
}
