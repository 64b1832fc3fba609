import { lazy, Suspense } from 'react';

import { Button } from '@/components/Button';
import { LoadingState } from '@/components/PageState';

import styles from './ConfigEditor.module.css';

const ConflictDiff = lazy(() => import('./ConflictDiff'));

/** A save met a newer version (412): compare, then keep your text or take the server's. */
export function ConflictPanel({
  path,
  theirs,
  mine,
  saving,
  onKeepMine,
  onTakeTheirs,
}: {
  path: string;
  theirs: string;
  mine: string;
  saving: boolean;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
}) {
  return (
    <section className={styles.conflict} aria-labelledby="conflict-title">
      <div className={styles.conflictHeader} role="alert">
        <div>
          <h2 id="conflict-title" className={styles.panelTitle}>
            Someone saved {path} first
          </h2>
          <p className={styles.muted}>Left: the server’s version. Right: yours.</p>
        </div>
        <div className={styles.conflictActions}>
          <Button onClick={onTakeTheirs} disabled={saving}>
            Take theirs
          </Button>
          <Button variant="primary" onClick={onKeepMine} loading={saving}>
            Keep mine
          </Button>
        </div>
      </div>
      <Suspense fallback={<LoadingState label="Loading the diff" />}>
        <ConflictDiff path={path} theirs={theirs} mine={mine} />
      </Suspense>
    </section>
  );
}
