import { FileArchive, FilePlus2, Users } from 'lucide-react';
import { useState, type ReactNode, type SyntheticEvent } from 'react';

import { Button } from '@/components/Button';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';

import type { ConfigCreate, ImportConfigInput } from '../api/configs';
import { configFormErrors } from '../api/forms';
import { isSlug } from '../api/naming';
import { useConfigName } from '../hooks/useConfigName';
import { ConfigNameFields } from './ConfigNameFields';
import styles from './NewConfigForm.module.css';

export type StartingPoint = ConfigCreate['template'] | 'import';

/** What the form asks for: a config from a template, or one from an uploaded package. */
export type NewConfigValues = { kind: 'create'; body: ConfigCreate } | { kind: 'import'; input: ImportConfigInput };

const STARTS: { value: StartingPoint; name: string; description: string; icon: ReactNode }[] = [
  {
    value: 'example',
    name: 'Roster template',
    description: 'A working member roster: columns, detectors and hooks to adapt.',
    icon: <Users size={16} aria-hidden />,
  },
  {
    value: 'empty',
    name: 'Blank',
    description: 'Only a manifest, to add your own columns to.',
    icon: <FilePlus2 size={16} aria-hidden />,
  },
  {
    value: 'import',
    name: 'Import a zip',
    description: 'A package exported from ADE, or a zipped config folder.',
    icon: <FileArchive size={16} aria-hidden />,
  },
];

export interface NewConfigFormProps {
  onSubmit: (values: NewConfigValues) => void;
  onCancel: () => void;
  pending: boolean;
  error: unknown;
  /** Any input changed (e.g. to clear the last answer's problem). */
  onEdit?: () => void;
}

/**
 * Start a config: from the roster template, blank, or from a package (.zip). The slug follows
 * the title (or the zip's name) until the user types one; the API's problems show at their
 * inputs (a taken slug under the slug), anything else under the form.
 */
export function NewConfigForm({ onSubmit, onCancel, pending, error, onEdit }: NewConfigFormProps) {
  const [start, setStart] = useState<StartingPoint>('example');
  const [file, setFile] = useState<File | null>(null);
  const importing = start === 'import';
  const name = useConfigName('', importing ? file?.name : undefined);
  const errors = configFormErrors(error, ['title', 'file']);
  const ready = isSlug(name.slug) && (importing ? file !== null : name.title.trim() !== '');
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!ready) return;
    const title = name.title.trim();
    if (start !== 'import') onSubmit({ kind: 'create', body: { template: start, title, slug: name.slug } });
    else if (file !== null) onSubmit({ kind: 'import', input: { file, slug: name.slug, title: title || undefined } });
  };
  return (
    <form onSubmit={submit} onChange={onEdit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
      <fieldset className={styles.choices}>
        <legend className={styles.legend}>Start from</legend>
        {STARTS.map((choice) => (
          <label key={choice.value} className={styles.choice}>
            <input
              type="radio"
              name="starting-point"
              value={choice.value}
              checked={start === choice.value}
              onChange={() => setStart(choice.value)}
            />
            <span className={styles.icon}>{choice.icon}</span>
            <span>
              <span className={styles.name}>{choice.name}</span>
              <span className={styles.description}>{choice.description}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {importing && (
        <Field label="Config package" hint="A .zip of a config folder." errors={errors.field('file')}>
          {(control) => (
            <Input
              {...control}
              type="file"
              accept=".zip,application/zip"
              required
              onChange={(event) => setFile(event.target.files?.[0] ?? null)}
            />
          )}
        </Field>
      )}
      <ConfigNameFields
        name={name}
        titleOptional={importing}
        errors={{ title: errors.field('title'), slug: errors.field('slug') }}
      />
      {errors.form !== null && <ProblemMessage error={errors.form} />}
      <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
        <Button onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" loading={pending} disabled={!ready}>
          {importing ? 'Import config' : 'Create config'}
        </Button>
      </div>
    </form>
  );
}
