import { useState, type SyntheticEvent } from 'react';

import { ApiError } from '@/api/errors';
import { Button } from '@/components/Button';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';

import type { PublishRequest } from '../api/configs';

export interface PublishFormProps {
  /** The suggested version (e.g. the next minor of the published one). */
  suggested: string;
  onSubmit: (values: PublishRequest) => void;
  onCancel: () => void;
  pending: boolean;
  error: unknown;
}

/** Publish a config's draft as a new immutable version. The API checks it in the sandbox. */
export function PublishForm({ suggested, onSubmit, onCancel, pending, error }: PublishFormProps) {
  const [semver, setSemver] = useState(suggested);
  const [message, setMessage] = useState('');
  const semverErrors = error instanceof ApiError ? error.fieldErrors('semver') : [];
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    onSubmit({ semver: semver.trim(), message: message.trim() });
  };
  return (
    <form onSubmit={submit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
      <Field label="Version" hint="Semantic version, e.g. 1.2.0." errors={semverErrors}>
        {(control) => (
          <Input {...control} required autoFocus maxLength={64} value={semver} onChange={(event) => setSemver(event.target.value)} />
        )}
      </Field>
      <Field label="What changed (optional)">
        {(control) => <Input {...control} maxLength={2000} value={message} onChange={(event) => setMessage(event.target.value)} />}
      </Field>
      {error !== null && error !== undefined && semverErrors.length === 0 && <ProblemMessage error={error} />}
      <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
        <Button onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" loading={pending} disabled={semver.trim() === ''}>
          Publish
        </Button>
      </div>
    </form>
  );
}
