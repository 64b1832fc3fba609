import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';

import { Button } from '@/components/Button';
import { Dialog } from '@/components/Dialog';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';
import { Select } from '@/components/Select';

import { editorKeys } from '../../api/drafts';
import { addDraftColumn, COLUMN_KINDS, draftManifestQuery, isJsonObject } from '../../api/manifest';
import { checkColumn, columnBody, defaultLabel, emptyColumn, FIELD_MAX, placeColumnError, type ColumnDraft } from './columnForm';
import styles from './ManifestView.module.css';

export interface AddColumnDialogProps {
  workspaceId: string;
  configId: string;
  /** Called with the new column's file path once it exists. */
  onAdded: (path: string) => void;
  onClose: () => void;
}

const KIND_LABELS: Record<(typeof COLUMN_KINDS)[number], string> = {
  text: 'Text: found by its header, spaces tidied',
  email: 'Email: detects, lowercases and checks addresses',
  phone: 'Phone: detects and checks phone numbers',
  date: 'Date: reads common date formats into dates',
  number: 'Number: reads amounts like 1,234.50 or $12',
  identifier: 'Identifier: distinct codes such as M-10042',
};

/** The Add Column wizard: one request creates `columns/<field>.py` and the manifest entry. */
export function AddColumnDialog({ workspaceId, configId, onAdded, onClose }: AddColumnDialogProps) {
  const queryClient = useQueryClient();
  const manifest = useQuery(draftManifestQuery(workspaceId, configId));
  const [draft, setDraft] = useState<ColumnDraft>(emptyColumn);
  const [touched, setTouched] = useState(false);
  const existing = (Array.isArray(manifest.data?.manifest.columns) ? manifest.data.manifest.columns : [])
    .filter(isJsonObject)
    .map((c) => String(c.field));
  const local = touched ? checkColumn(draft, existing) : {};

  const add = useMutation({
    mutationFn: () => addDraftColumn(workspaceId, configId, columnBody(draft)),
    onSuccess: (path) => {
      for (const key of [editorKeys.files, editorKeys.manifest, editorKeys.plan]) {
        void queryClient.invalidateQueries({ queryKey: key(workspaceId, configId) });
      }
      onAdded(path);
    },
  });
  const server = add.error === null ? { at: {}, rest: null } : placeColumnError(add.error);
  const errors = (input: keyof typeof server.at) => [...(local[input] ? [local[input]] : []), ...(server.at[input] ?? [])];

  function set(change: Partial<ColumnDraft>) {
    setDraft((prev) => ({ ...prev, ...change }));
    add.reset();
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    setTouched(true);
    if (Object.keys(checkColumn(draft, existing)).length > 0) return;
    add.mutate();
  }

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title="Add column"
      description="Creates columns/<field>.py from a starter for its kind and adds the field to the manifest, in one step."
    >
      <form onSubmit={submit} noValidate className={styles.wizard}>
        <Field
          label="Field name"
          hint={`The output field: lowercase letters, digits and underscores, from a letter (at most ${FIELD_MAX}).`}
          errors={errors('field')}
        >
          {(control) => (
            <Input
              {...control}
              value={draft.field}
              onChange={(event) => set({ field: event.target.value })}
              autoFocus
              spellCheck={false}
              autoComplete="off"
              placeholder="e.g. phone_number"
            />
          )}
        </Field>
        <Field label="Label" hint="The output header. Leave blank to derive it from the field." errors={errors('label')}>
          {(control) => (
            <Input
              {...control}
              value={draft.label}
              placeholder={draft.field.trim() ? defaultLabel(draft.field.trim()) : 'e.g. Phone Number'}
              onChange={(event) => set({ label: event.target.value })}
            />
          )}
        </Field>
        <Field label="Synonyms" hint="Headers that mean this field, comma-separated: the built-in matcher knows them." errors={errors('synonyms')}>
          {(control) => (
            <Input {...control} value={draft.synonyms} placeholder="e.g. phone, tel, mobile" onChange={(event) => set({ synonyms: event.target.value })} />
          )}
        </Field>
        <Field label="Starting kind" hint="Which starter code the module gets; edit it afterwards." errors={errors('kind')}>
          {(control) => (
            <Select
              {...control}
              className={styles.wideSelect}
              value={draft.kind}
              options={COLUMN_KINDS.map((kind) => ({ value: kind, label: KIND_LABELS[kind] }))}
              onChange={(event) => {
                const kind = COLUMN_KINDS.find((k) => k === event.target.value);
                if (kind) set({ kind });
              }}
            />
          )}
        </Field>
        <label className={styles.checkField}>
          <input type="checkbox" className={styles.checkbox} checked={draft.required} onChange={(event) => set({ required: event.target.checked })} />
          <span>
            Required
            <span className={styles.checkHint}>A table where no column maps to it gets an issue.</span>
          </span>
        </label>
        {server.rest !== null && <ProblemMessage error={server.rest} />}
        <div className={styles.wizardActions}>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" loading={add.isPending}>
            Add column
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
