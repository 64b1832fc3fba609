import { useQuery } from '@tanstack/react-query';

import { ConfirmDialog } from '@/components/ConfirmDialog';
import { LoadingState } from '@/components/PageState';
import { ProblemMessage } from '@/components/ProblemMessage';
import { useToast } from '@/components/Toast';

import { diffQuery, DRAFT, useRestore, useRevert, type Version } from '../../api/history';
import { ChangeList } from './DiffFiles';
import styles from './History.module.css';
import { draftWouldBeKept, versionPhrase } from './versions';

export interface ReplaceDraftDialogProps {
  workspaceId: string;
  configId: string;
  /** A revert publishes the (deprecated) version again; a restore only copies it into the draft. */
  kind: 'revert' | 'restore';
  version: Version;
  versions: Version[];
  /** Open tabs with unsaved edits: they are not part of the draft being replaced. */
  unsaved: boolean;
  onDone: () => void;
  onClose: () => void;
}

/** Ask before a revert or restore replaces the draft, showing what the draft loses (the diff
 * draft → that version) and whether the draft is kept as a discarded version first. */
export function ReplaceDraftDialog({ workspaceId, configId, kind, version, versions, unsaved, onDone, onClose }: ReplaceDraftDialogProps) {
  const notify = useToast();
  const revert = useRevert(workspaceId, configId);
  const restore = useRestore(workspaceId, configId);
  const action = kind === 'revert' ? revert : restore;
  const loss = useQuery(diffQuery(workspaceId, configId, DRAFT, version.version_id));
  const label = versionPhrase(version);
  // The diff's `from` is the draft as of now: the list may predate the last save.
  const kept = draftWouldBeKept(versions, loss.data?.from.files_hash);
  const published = versions.find((v) => v.status === 'published');

  function confirm() {
    action.mutate(version.version_id, {
      onSuccess: (answer) => {
        notify({
          title: kind === 'revert' ? `Reverted to ${label}` : `Restored ${label} into the draft`,
          description: answer.discarded_version_id
            ? 'The draft it replaced is kept in the history as a discarded draft.'
            : 'Nothing was lost: another version holds the draft it replaced.',
          tone: 'success',
        });
        onDone();
        onClose();
      },
    });
  }

  return (
    <ConfirmDialog
      open
      onOpenChange={(open) => !open && !action.isPending && onClose()}
      title={kind === 'revert' ? `Revert to ${label}?` : `Restore ${label} into the draft?`}
      description={
        kind === 'revert'
          ? `${label} becomes the published version again${published?.semver ? ` (${published.semver} becomes deprecated)` : ''}, and its files become the draft.`
          : `Its files become the draft. Nothing is published.`
      }
      confirmLabel={kind === 'revert' ? `Revert to ${label}` : 'Restore into the draft'}
      destructive={!kept}
      pending={action.isPending}
      error={action.error}
      onConfirm={confirm}
    >
      {loss.data ? (
        loss.data.files.length > 0 ? (
          <>
            <p className={styles.muted}>The draft’s files that change:</p>
            <ChangeList files={loss.data.files} label="What the draft loses" />
          </>
        ) : (
          <p className={styles.muted}>The draft already holds these files: nothing in it changes.</p>
        )
      ) : loss.error ? (
        <ProblemMessage error={loss.error} />
      ) : (
        <LoadingState label="Comparing the draft with this version" />
      )}
      {loss.data && (
        <p className={styles.kept}>
          {kept
            ? 'The current draft differs from every version: it is kept as a discarded draft in the history, and you can restore it.'
            : 'Another version holds the same files as the draft: nothing is lost.'}
        </p>
      )}
      {unsaved && <p className={styles.muted}>Unsaved edits in open tabs are not in the draft: saving them afterwards shows a conflict.</p>}
    </ConfirmDialog>
  );
}
