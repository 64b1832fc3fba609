import { useState, type SyntheticEvent } from 'react';

import { ApiError } from '@/api/errors';
import { Button } from '@/components/Button';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';

import type { ImportConfigInput } from '../api/configs';
import { isSlug, slugFromFileName } from '../api/naming';

export interface ImportConfigFormProps {
  onSubmit: (values: ImportConfigInput) => void;
  onCancel: () => void;
  pending: boolean;
  error: unknown;
}

/**
 * Pick a config package (.zip) and name it. The slug follows the file's name until the user
 * types one; the title defaults to the package manifest's. The API's answer shows here.
 */
export function ImportConfigForm({ onSubmit, onCancel, pending, error }: ImportConfigFormProps) {
  const [file, setFile] = useState<File | null>(null);
  const [typedSlug, setTypedSlug] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const slug = typedSlug ?? (file ? slugFromFileName(file.name) : '');
  const apiError = error instanceof ApiError ? error : null;
  const fileErrors = apiError?.fieldErrors('file') ?? [];
  const slugErrors = [
    ...(slug !== '' && !isSlug(slug) ? ['Use lower-case letters, digits and dashes (1–64).'] : []),
    ...(apiError?.fieldErrors('slug') ?? []),
  ];
  const shownInFields = fileErrors.length + (apiError?.fieldErrors('slug').length ?? 0) > 0;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (file === null) return;
    onSubmit({ file, slug, title: title.trim() || undefined });
  };
  return (
    <form onSubmit={submit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
      <Field label="Config package" hint="A .zip of a config folder, e.g. from “Export” or `ade config pack`." errors={fileErrors}>
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
      <Field label="Slug" hint="Its short name in URLs and the CLI." errors={slugErrors}>
        {(control) => (
          <Input {...control} required maxLength={64} value={slug} onChange={(event) => setTypedSlug(event.target.value)} />
        )}
      </Field>
      <Field label="Title (optional)" hint="Default: the title in the package’s manifest.">
        {(control) => <Input {...control} maxLength={200} value={title} onChange={(event) => setTitle(event.target.value)} />}
      </Field>
      {error !== null && error !== undefined && !shownInFields && <ProblemMessage error={error} />}
      <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
        <Button onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" loading={pending} disabled={file === null || !isSlug(slug)}>
          Import config
        </Button>
      </div>
    </form>
  );
}
