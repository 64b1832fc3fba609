import { useState, type SyntheticEvent } from 'react';

import type { ApiError } from '@/api/errors';
import { formErrors } from '@/api/formErrors';
import { Button } from '@/components/Button';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';

import type { Workspace, WorkspaceUpdate } from '../api/workspaces';

const FIELDS = ['name', 'slug'] as const;

/** A taken slug (409) is about the slug field. */
function placeSettingsProblem(error: ApiError): 'slug' | null {
  return error.status === 409 ? 'slug' : null;
}

/** Only what changed, trimmed; an empty object when nothing did. */
export function workspaceChanges(workspace: Workspace, values: { name: string; slug: string }): WorkspaceUpdate {
  const name = values.name.trim();
  const slug = values.slug.trim();
  return {
    ...(name !== workspace.name ? { name } : {}),
    ...(slug !== workspace.slug ? { slug } : {}),
  };
}

export interface WorkspaceSettingsFormProps {
  workspace: Workspace;
  /** Owners edit; everyone else sees the values read-only. */
  canEdit: boolean;
  onSubmit: (changes: WorkspaceUpdate) => void;
  pending: boolean;
  error: unknown;
}

/** The workspace's name and slug. Give it `key={workspace.updated_at}` to start from saved values. */
export function WorkspaceSettingsForm({ workspace, canEdit, onSubmit, pending, error }: WorkspaceSettingsFormProps) {
  const [name, setName] = useState(workspace.name);
  const [slug, setSlug] = useState(workspace.slug);
  const errors = formErrors(error, FIELDS, placeSettingsProblem);
  const changes = workspaceChanges(workspace, { name, slug });
  const dirty = Object.keys(changes).length > 0;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (dirty) onSubmit(changes);
  };
  return (
    <form onSubmit={submit} noValidate style={{ display: 'flex', flexDirection: 'column', gap: 16, maxWidth: 480 }}>
      <Field label="Name" errors={errors.field('name')}>
        {(control) => (
          <Input {...control} required maxLength={200} disabled={!canEdit} value={name} onChange={(e) => setName(e.target.value)} />
        )}
      </Field>
      <Field
        label="Slug"
        hint="A short name for scripts and the command line: lowercase letters, digits and dashes."
        errors={errors.field('slug')}
      >
        {(control) => (
          <Input
            {...control}
            required
            maxLength={64}
            spellCheck={false}
            disabled={!canEdit}
            value={slug}
            onChange={(e) => setSlug(e.target.value)}
          />
        )}
      </Field>
      {errors.form !== null && <ProblemMessage error={errors.form} />}
      {canEdit && (
        <div style={{ display: 'flex', gap: 8 }}>
          <Button type="submit" variant="primary" loading={pending} disabled={!dirty || name.trim() === '' || slug.trim() === ''}>
            Save changes
          </Button>
          {dirty && (
            <Button
              onClick={() => {
                setName(workspace.name);
                setSlug(workspace.slug);
              }}
              disabled={pending}
            >
              Discard
            </Button>
          )}
        </div>
      )}
    </form>
  );
}
