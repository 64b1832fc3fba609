import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { RotateCw, Save } from 'lucide-react';
import { useMemo, useState, type SyntheticEvent } from 'react';

import { ApiError } from '@/api/errors';
import { Badge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { PageState } from '@/components/PageState';
import { ProblemMessage } from '@/components/ProblemMessage';

import { draftFilesQuery, editorKeys } from '../../api/drafts';
import { draftManifestQuery, patchDraftManifest, type LoadedManifest } from '../../api/manifest';
import { ColumnsEditor } from './ColumnsEditor';
import { EngineSettings } from './EngineSettings';
import { HooksEditor } from './HooksEditor';
import { applyMergePatch, buildPatch, formFromManifest, placeProblems, type ManifestForm, type PlacedProblems } from './manifestForm';
import { Messages, messageId } from './Messages';
import styles from './ManifestView.module.css';

/** Unsaved edits and the manifest they started from (its ETag is the save's If-Match). */
export interface ManifestEdit {
  form: ManifestForm;
  base: LoadedManifest;
}

/** The form's unsaved edits, kept by the page so they outlive a switch to another view. */
export type ManifestEditState = [ManifestEdit | null, (edit: ManifestEdit | null) => void];

export interface ManifestViewProps {
  workspaceId: string;
  configId: string;
  canEdit: boolean;
  /** After a save: the page refreshes an open, clean manifest.json tab. */
  onSaved?: () => void;
  /** Where the unsaved edits live (the page's state); the view's own when left out. */
  edit?: ManifestEditState;
}

/** The manifest as a form beside the raw JSON (columns, engine settings, hooks). */
export function ManifestView({ edit, ...props }: ManifestViewProps) {
  const manifest = useQuery(draftManifestQuery(props.workspaceId, props.configId));
  const own = useState<ManifestEdit | null>(null);
  return (
    <PageState query={manifest} loadingLabel="Loading the manifest">
      {(loaded) => <ManifestEditor {...props} loaded={loaded} edit={edit ?? own} />}
    </PageState>
  );
}

const NO_PROBLEMS: PlacedProblems = { at: {}, rest: [] };

/** What a failed save says above the form: a stale ETag, the count of problems marked below, or the error. */
function saveProblem(error: unknown, problems: PlacedProblems): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.status === 412) return new Error('Someone saved the manifest after you opened it. Reload to get their version (your edits here are discarded).');
  if (error.status !== 400 || error.errors.length === 0) return error;
  const marked = error.errors.length - problems.rest.length;
  const head = marked > 0 ? `The manifest was not saved: ${marked === 1 ? 'one problem is' : `${marked} problems are`} marked below.` : 'The manifest was not saved.';
  return new Error([head, ...problems.rest].join('\n'));
}

function ManifestEditor({
  workspaceId,
  configId,
  canEdit,
  loaded,
  onSaved,
  edit: [edit, setEdit],
}: Omit<ManifestViewProps, 'edit'> & { loaded: LoadedManifest; edit: ManifestEditState }) {
  const queryClient = useQueryClient();
  const files = useQuery(draftFilesQuery(workspaceId, configId));
  const [problems, setProblems] = useState<PlacedProblems>(NO_PROBLEMS);
  const shown = useMemo(() => formFromManifest(loaded.manifest), [loaded.manifest]);
  const base = edit?.base ?? loaded;
  const form = edit?.form ?? shown;
  const readOnly = !canEdit;
  const built = useMemo(() => buildPatch(base.manifest, form), [base.manifest, form]);
  const dirty = edit !== null && Object.keys(built.patch).length > 0;
  const preview = dirty ? applyMergePatch(base.manifest, built.patch) : base.manifest;

  const save = useMutation({
    mutationFn: () => patchDraftManifest(workspaceId, configId, built.patch, base.etag),
    onSuccess: (saved) => {
      queryClient.setQueryData(draftManifestQuery(workspaceId, configId).queryKey, saved);
      setEdit(null);
      setProblems(NO_PROBLEMS);
      void queryClient.invalidateQueries({ queryKey: editorKeys.files(workspaceId, configId) });
      void queryClient.invalidateQueries({ queryKey: editorKeys.plan(workspaceId, configId) });
      onSaved?.();
    },
    onError: (error) => {
      setProblems(error instanceof ApiError && error.status === 400 && error.errors.length > 0 ? placeProblems(error.errors, form) : NO_PROBLEMS);
    },
  });
  const stale = save.error instanceof ApiError && save.error.status === 412;

  function change(next: ManifestForm, reordered = false) {
    // Typed back to exactly what the manifest says: nothing is unsaved any more.
    const same = JSON.stringify(next) === JSON.stringify(formFromManifest(base.manifest));
    setEdit(same ? null : { form: next, base });
    // Row positions changed: messages at the old positions no longer point at the right rows.
    if (reordered) setProblems(NO_PROBLEMS);
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (!dirty || Object.keys(built.problems).length > 0) return;
    save.mutate();
  }

  function discard() {
    setEdit(null);
    setProblems(NO_PROBLEMS);
    save.reset();
  }

  function reload() {
    discard();
    void queryClient.invalidateQueries({ queryKey: editorKeys.manifest(workspaceId, configId) });
  }

  const at = { ...problems.at, ...built.problems };
  const group = (pointer: string) => <Messages id={messageId('group', pointer)} messages={at[pointer] ?? []} />;
  const hookModules = (files.data ?? []).map((f) => f.path).filter((p) => p.startsWith('hooks/') && p.endsWith('.py'));

  return (
    <div className={styles.layout}>
      <form className={styles.form} onSubmit={submit} noValidate aria-label="Manifest">
        <div className={styles.toolbar}>
          <p className={styles.intro}>
            {readOnly ? 'The manifest of the draft. Editors change it.' : 'Edit the manifest; the code view edits the raw file.'}
          </p>
          {dirty && <Badge tone="warning" dot>Unsaved changes</Badge>}
          {!readOnly && (
            <>
              <Button onClick={discard} disabled={edit === null || save.isPending}>
                Discard
              </Button>
              <Button type="submit" variant="primary" disabled={!dirty} loading={save.isPending}>
                <Save size={14} aria-hidden /> Save manifest
              </Button>
            </>
          )}
        </div>
        {save.error !== null && (
          <ProblemMessage
            error={saveProblem(save.error, problems)}
            action={
              stale && (
                <Button size="sm" onClick={reload}>
                  <RotateCw size={14} aria-hidden /> Reload
                </Button>
              )
            }
          />
        )}

        <section className={styles.section} aria-labelledby="manifest-columns">
          <h3 id="manifest-columns" className={styles.sectionTitle}>
            Columns
          </h3>
          <p className={styles.sectionHint}>In output order; synonyms are comma-separated. Drag a row by its handle (or focus the handle, press Space and use the arrow keys), or use Move up and down.</p>
          {group('/columns')}
          <ColumnsEditor
            columns={form.columns}
            readOnly={readOnly}
            problems={at}
            onChange={(columns, reordered) => change({ ...form, columns }, reordered)}
          />
        </section>

        <section className={styles.section} aria-labelledby="manifest-engine">
          <h3 id="manifest-engine" className={styles.sectionTitle}>
            Engine settings
          </h3>
          {group('/engine')}
          <EngineSettings engine={form.engine} readOnly={readOnly} problems={at} onChange={(engine) => change({ ...form, engine })} />
        </section>

        <section className={styles.section} aria-labelledby="manifest-hooks">
          <h3 id="manifest-hooks" className={styles.sectionTitle}>
            Hooks
          </h3>
          {group('/hooks')}
          <HooksEditor hooks={form.hooks} modules={hookModules} readOnly={readOnly} problems={at} onChange={(hooks) => change({ ...form, hooks })} />
        </section>
      </form>

      <section className={styles.json} aria-labelledby="manifest-json">
        <h3 id="manifest-json" className={styles.sectionTitle}>
          manifest.json {dirty && <span className={styles.checkHint}>with your unsaved changes</span>}
        </h3>
        <pre className={styles.jsonText} tabIndex={0} aria-label="manifest.json (read only)">
          {JSON.stringify(preview, null, 2)}
        </pre>
      </section>
    </div>
  );
}
