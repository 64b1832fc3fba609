import { useNavigate } from 'react-router';

import { useCreateWorkspace } from '@/features/workspaces/api/workspaces';
import { CreateWorkspaceForm } from '@/features/workspaces/components/CreateWorkspaceForm';

import { AuthCard } from '../layout/AuthCard';

/** A signed-in user without any workspace: create the first one. */
export function NoWorkspace() {
  const create = useCreateWorkspace();
  const navigate = useNavigate();
  return (
    <AuthCard title="Create your first workspace" description="A workspace holds your documents, configs and team.">
      <CreateWorkspaceForm
        pending={create.isPending}
        error={create.error}
        onSubmit={(values) => {
          create.mutate(values, { onSuccess: (w) => void navigate(`/w/${w.id}/documents`) });
        }}
      />
    </AuthCard>
  );
}
