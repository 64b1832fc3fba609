import { useQuery } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';

import { ApiError } from '@/api/errors';
import { Button } from '@/components/Button';
import { Dialog } from '@/components/Dialog';
import { Field, Input } from '@/components/Field';
import { PageState } from '@/components/PageState';
import { ProblemMessage } from '@/components/ProblemMessage';
import { useToast } from '@/components/Toast';
import { nextSemver, semverProblem, semverSuggestions } from '@/lib/semver';

import { diffQuery, DRAFT, usePublish } from '../../api/history';
import { DiffPanel } from './DiffPanel';
import styles from './History.module.css';
import { changeSummary } from './versions';

export interface PublishDialogProps {
  workspaceId: string;
  configId: string;
  /** The version published now, if any: the suggestions follow it and the diff starts from it. */
  published: { versionId: string; semver: string | null } | null;
  onClose: () => void;
}

/** Where the API's refusal belongs: on an input (422 field errors; 409 for a semver taken) or
 * above the buttons (a draft identical to the published version, an invalid package...). */
function placeError(error: unknown): { semver: string[]; message: string[]; form: unknown } {
  if (!(error instanceof ApiError)) return { semver: [], message: [], form: error };
  if (error.status === 409 && error.detail.includes('already exists')) return { semver: [error.detail], message: [], form: null };
  const semver = error.fieldErrors('semver');
  const message = error.fieldErrors('message');
  return { semver, message, form: semver.length || message.length ? null : error };
}

/** Publish the draft as `{semver, message}`: the next versions suggested, checked as the API
 * checks them, and the draft's changes since the published version shown before it goes. */
export function PublishDialog({ workspaceId, configId, published, onClose }: PublishDialogProps) {
  const notify = useToast();
  const publish = usePublish(workspaceId, configId);
  const [semver, setSemver] = useState(nextSemver(published?.semver));
  const [message, setMessage] = useState('');
  const [checked, setChecked] = useState<string | null>(null);
  const diff = useQuery({ ...diffQuery(workspaceId, configId, published?.versionId ?? DRAFT, DRAFT), enabled: published !== null });
  const placed = placeError(publish.error);
  const semverErrors = checked !== null ? [checked] : placed.semver;

  function choose(value: string) {
    setSemver(value);
    setChecked(null);
    publish.reset();
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const value = semver.trim();
    const problem = semverProblem(value);
    setChecked(problem);
    if (problem) return;
    publish.mutate(
      { semver: value, message: message.trim() },
      {
        onSuccess: (version) => {
          notify({ title: `Published ${version.semver ?? value}`, description: 'The previous version is deprecated. While this config is active, jobs that name no version run this one.', tone: 'success' });
          onClose();
        },
      },
    );
  }

  const suggestions = semverSuggestions(published?.semver);
  return (
    <Dialog
      open
      size="wide"
      onOpenChange={(open) => !open && !publish.isPending && onClose()}
      title="Publish the draft"
      description={
        published?.semver
          ? `The draft becomes a new version; ${published.semver} becomes deprecated. Its modules are checked first.`
          : 'The draft becomes the first version that jobs can run. Its modules are checked first.'
      }
    >
      <div className={styles.publishGrid}>
        <form className={styles.form} onSubmit={submit} noValidate aria-label="Publish">
          <Field label="Version" hint="Semantic version: MAJOR.MINOR.PATCH." errors={semverErrors}>
            {(control) => (
              <Input {...control} autoFocus required maxLength={64} value={semver} onChange={(event) => choose(event.target.value)} />
            )}
          </Field>
          {suggestions.length > 0 && (
            <div className={styles.suggestions} role="group" aria-label="Suggested versions">
              {suggestions.map(({ bump, version }) => (
                <Button key={bump} size="sm" variant={version === semver.trim() ? 'primary' : 'secondary'} onClick={() => choose(version)}>
                  {bump} {version}
                </Button>
              ))}
            </div>
          )}
          <Field label="What changed (optional)" errors={placed.message}>
            {(control) => <Input {...control} maxLength={2000} value={message} onChange={(event) => setMessage(event.target.value)} />}
          </Field>
          {placed.form !== null && placed.form !== undefined && <ProblemMessage error={placed.form} />}
          <div className={styles.formActions}>
            <Button onClick={onClose} disabled={publish.isPending}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" loading={publish.isPending}>
              Publish {semver.trim() || 'version'}
            </Button>
          </div>
        </form>
        <section className={styles.section} aria-labelledby="publish-changes">
          <div className={styles.sectionHeader}>
            <h3 id="publish-changes" className={styles.sectionTitle}>
              {published?.semver ? `Changes since ${published.semver}` : 'Changes'}
            </h3>
            {diff.data && <p className={styles.muted}>{changeSummary(diff.data.files)}</p>}
          </div>
          {published === null ? (
            <p className={styles.empty}>Nothing is published yet: every file of the draft is in this first version.</p>
          ) : (
            <PageState query={diff} loadingLabel="Comparing the draft with the published version">
              {(data) => <DiffPanel diff={data} compact />}
            </PageState>
          )}
        </section>
      </div>
    </Dialog>
  );
}
