import { lazy, Suspense, useState } from 'react';

import { LoadingState } from '@/components/PageState';

import type { VersionDiff } from '../../api/history';
import { DiffFileList } from './DiffFiles';
import styles from './History.module.css';
import { selectedChange } from './versions';

const VersionDiffEditor = lazy(() => import('./VersionDiffEditor'));

/** A diff: its changed files on the left, the chosen one in Monaco's diff editor. */
export function DiffPanel({ diff, compact = false }: { diff: VersionDiff; compact?: boolean }) {
  const [chosen, setChosen] = useState<string | null>(null);
  if (diff.files.length === 0) {
    return <p className={styles.empty}>No differences: both sides hold the same files.</p>;
  }
  const change = selectedChange(diff.files, chosen);
  return (
    <div className={compact ? `${styles.diff} ${styles.diffCompact}` : styles.diff}>
      <DiffFileList files={diff.files} selected={change?.path} onSelect={setChosen} />
      <div className={styles.editor}>
        {change?.binary ? (
          <p className={styles.note}>{change.path} is a binary file: its contents are not compared here.</p>
        ) : change?.too_large ? (
          <p className={styles.note}>{change.path} is too large to show here; export both versions to compare it.</p>
        ) : change ? (
          <Suspense fallback={<LoadingState label="Loading the diff" />}>
            <VersionDiffEditor change={change} />
          </Suspense>
        ) : null}
      </div>
    </div>
  );
}
