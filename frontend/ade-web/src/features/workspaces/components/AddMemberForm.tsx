import { useState, type SyntheticEvent } from 'react';

import type { ApiError } from '@/api/errors';
import { formErrors } from '@/api/formErrors';
import { Button } from '@/components/Button';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';
import { Select } from '@/components/Select';

import { isRole, ROLE_OPTIONS, type MemberCreate, type WorkspaceRole } from '../api/workspaces';

const FIELDS = ['email', 'role'] as const;

/** An unknown user (404) or one already in the workspace (409) is about the email typed. */
function placeMemberProblem(error: ApiError): 'email' | null {
  return error.status === 404 || error.status === 409 ? 'email' : null;
}

export interface AddMemberFormProps {
  onSubmit: (values: MemberCreate) => void;
  onCancel: () => void;
  pending: boolean;
  error: unknown;
}

/** Add someone who already has an ADE account, by their email, with a role. */
export function AddMemberForm({ onSubmit, onCancel, pending, error }: AddMemberFormProps) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<WorkspaceRole>('viewer');
  const errors = formErrors(error, FIELDS, placeMemberProblem);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    onSubmit({ email: email.trim(), role });
  };
  return (
    <form onSubmit={submit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
      <Field label="Email" hint="The person must already have an ADE account." errors={errors.field('email')}>
        {(control) => (
          <Input
            {...control}
            type="email"
            autoFocus
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        )}
      </Field>
      <Field
        label="Role"
        hint="Viewers read; editors also upload, run and edit configs; owners also manage the workspace."
        errors={errors.field('role')}
      >
        {(control) => (
          <Select
            {...control}
            options={ROLE_OPTIONS}
            value={role}
            onChange={(event) => {
              if (isRole(event.target.value)) setRole(event.target.value);
            }}
          />
        )}
      </Field>
      {errors.form !== null && <ProblemMessage error={errors.form} />}
      <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
        <Button onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" loading={pending} disabled={email.trim() === ''}>
          Add member
        </Button>
      </div>
    </form>
  );
}
