import { useState, type SyntheticEvent } from 'react';

import { ApiError } from '@/api/errors';
import { Button } from '@/components/Button';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';

import type { WorkspaceCreate } from '../api/workspaces';

export interface CreateWorkspaceFormProps {
  onSubmit: (values: WorkspaceCreate) => void;
  onCancel?: () => void;
  pending: boolean;
  error: unknown;
}

/** Name a new workspace. The API's answer (e.g. a taken slug) shows under the field. */
export function CreateWorkspaceForm({ onSubmit, onCancel, pending, error }: CreateWorkspaceFormProps) {
  const [name, setName] = useState('');
  const fieldErrors = error instanceof ApiError ? error.fieldErrors('name') : [];
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    onSubmit({ name: name.trim() });
  };
  return (
    <form onSubmit={submit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
      <Field label="Workspace name" hint="Usually a team or a client, e.g. “Finance”." errors={fieldErrors}>
        {(control) => (
          <Input
            {...control}
            autoFocus
            required
            maxLength={200}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        )}
      </Field>
      {error !== null && error !== undefined && fieldErrors.length === 0 && <ProblemMessage error={error} />}
      <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
        {onCancel && (
          <Button onClick={onCancel} disabled={pending}>
            Cancel
          </Button>
        )}
        <Button type="submit" variant="primary" loading={pending} disabled={name.trim() === ''}>
          Create workspace
        </Button>
      </div>
    </form>
  );
}
