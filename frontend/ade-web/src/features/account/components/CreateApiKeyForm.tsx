import { useState, type SyntheticEvent } from 'react';

import { formErrors } from '@/api/formErrors';
import { Button } from '@/components/Button';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';
import { Select } from '@/components/Select';

import type { ApiKeyCreate } from '../api/apiKeys';
import { EXPIRY_OPTIONS, expiresAt, isExpiry, type Expiry } from '../api/expiry';

const FIELDS = ['name', 'expires_at'] as const;

export interface CreateApiKeyFormProps {
  onSubmit: (values: ApiKeyCreate) => void;
  onCancel: () => void;
  pending: boolean;
  error: unknown;
}

/** Name a new key (what uses it) and when it expires. */
export function CreateApiKeyForm({ onSubmit, onCancel, pending, error }: CreateApiKeyFormProps) {
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState<Expiry>('90');
  const errors = formErrors(error, FIELDS);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const expires = expiresAt(expiry);
    onSubmit({ name: name.trim(), ...(expires === null ? {} : { expires_at: expires }) });
  };
  return (
    <form onSubmit={submit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
      <Field label="Name" hint="What uses the key, e.g. “nightly import script”." errors={errors.field('name')}>
        {(control) => (
          <Input {...control} autoFocus required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        )}
      </Field>
      <Field label="Expires" errors={errors.field('expires_at')}>
        {(control) => (
          <Select
            {...control}
            options={[...EXPIRY_OPTIONS]}
            value={expiry}
            onChange={(e) => {
              if (isExpiry(e.target.value)) setExpiry(e.target.value);
            }}
          />
        )}
      </Field>
      {errors.form !== null && <ProblemMessage error={errors.form} />}
      <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
        <Button onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" loading={pending} disabled={name.trim() === ''}>
          Create key
        </Button>
      </div>
    </form>
  );
}
