import { useState, type SyntheticEvent } from 'react';

import { Button } from '@/components/Button';
import { Dialog } from '@/components/Dialog';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';

import type { Workspace } from '../api/workspaces';

export interface DeleteWorkspaceDialogProps {
  workspace: Workspace;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onConfirm: () => void;
  pending: boolean;
  error: unknown;
}

/** Deleting a workspace cannot be undone, so the person types its name first. */
export function DeleteWorkspaceDialog({ workspace, open, onOpenChange, onConfirm, pending, error }: DeleteWorkspaceDialogProps) {
  const [typed, setTyped] = useState('');
  const matches = typed.trim() === workspace.name;
  const change = (next: boolean) => {
    if (!next) setTyped('');
    onOpenChange(next);
  };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (matches) onConfirm();
  };
  return (
    <Dialog
      open={open}
      onOpenChange={change}
      title={`Delete ${workspace.name}?`}
      description="Its documents, jobs, configs and members are deleted for good. This cannot be undone."
    >
      <form onSubmit={submit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
        <Field label={`Type “${workspace.name}” to confirm`}>
          {(control) => (
            <Input {...control} autoFocus autoComplete="off" spellCheck={false} value={typed} onChange={(e) => setTyped(e.target.value)} />
          )}
        </Field>
        {error !== null && error !== undefined && <ProblemMessage error={error} />}
        <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
          <Button onClick={() => change(false)} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" loading={pending} disabled={!matches}>
            Delete workspace
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
