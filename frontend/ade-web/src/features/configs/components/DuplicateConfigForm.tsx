import { useState, type SyntheticEvent } from 'react';

import { Button } from '@/components/Button';
import { Field } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';
import { Select, type SelectOption } from '@/components/Select';
import { formatDateTime } from '@/lib/format';

import type { Config, ConfigDuplicate, ConfigVersion } from '../api/configs';
import { configFormErrors } from '../api/forms';
import { isSlug } from '../api/naming';
import { useConfigName } from '../hooks/useConfigName';
import { ConfigNameFields } from './ConfigNameFields';

const DRAFT = '';

/** The choices of files to copy: the draft first, then every released or kept version. */
export function copySources(versions: ConfigVersion[] | undefined): SelectOption[] {
  const released = (versions ?? [])
    .filter((version) => version.status !== 'draft')
    .map((version) => ({
      value: version.version_id,
      label:
        version.status === 'discarded' || version.semver === null
          ? `Discarded draft of ${formatDateTime(version.created_at)}`
          : `${version.semver} (${version.status})`,
    }));
  return [{ value: DRAFT, label: 'The draft (latest edits)' }, ...released];
}

export interface DuplicateConfigFormProps {
  config: Config;
  /** The source's versions; undefined while they load (the draft can be copied meanwhile). */
  versions: ConfigVersion[] | undefined;
  onSubmit: (body: ConfigDuplicate) => void;
  onCancel: () => void;
  pending: boolean;
  error: unknown;
  /** Any input changed (e.g. to clear the last answer's problem). */
  onEdit?: () => void;
}

/** Copy a config into a new one: "Copy of …", from its draft or from one of its versions. */
export function DuplicateConfigForm({ config, versions, onSubmit, onCancel, pending, error, onEdit }: DuplicateConfigFormProps) {
  const name = useConfigName(`Copy of ${config.title}`);
  const [source, setSource] = useState(DRAFT);
  const errors = configFormErrors(error, ['title', 'version_id']);
  const ready = isSlug(name.slug) && name.title.trim() !== '';
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!ready) return;
    onSubmit({ title: name.title.trim(), slug: name.slug, ...(source === DRAFT ? {} : { version_id: source }) });
  };
  return (
    <form onSubmit={submit} onChange={onEdit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
      <ConfigNameFields name={name} autoFocus errors={{ title: errors.field('title'), slug: errors.field('slug') }} />
      <Field
        label="Copy from"
        hint="The copy starts as a draft: nothing is published and it is not active."
        errors={errors.field('version_id')}
      >
        {(control) => (
          <Select
            {...control}
            style={{ width: '100%' }}
            options={copySources(versions)}
            value={source}
            onChange={(event) => setSource(event.target.value)}
          />
        )}
      </Field>
      {errors.form !== null && <ProblemMessage error={errors.form} />}
      <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
        <Button onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" loading={pending} disabled={!ready}>
          Duplicate config
        </Button>
      </div>
    </form>
  );
}
