import { Check, Circle, Loader } from 'lucide-react';

import { formatDuration } from '@/lib/format';

import type { JobProgress as Progress } from '../api/progress';
import styles from './JobProgress.module.css';

/** The engine's passes and a progress bar. */
export function JobProgress({ progress }: { progress: Progress }) {
  const percent = Math.round(progress.fraction * 100);
  return (
    <div className={styles.progress}>
      <div
        className={styles.bar}
        role="progressbar"
        aria-label="Job progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <span className={styles.fill} style={{ width: `${percent}%` }} />
      </div>
      <ol className={styles.passes} aria-label="Passes">
        {progress.passes.map((pass) => (
          <li key={pass.name} className={styles[pass.state]}>
            {pass.state === 'done' ? (
              <Check size={14} aria-hidden />
            ) : pass.state === 'running' ? (
              <Loader size={14} aria-hidden className={styles.spin} />
            ) : (
              <Circle size={14} aria-hidden />
            )}
            <span className={styles.name}>{pass.name}</span>
            <span className={styles.time}>
              {pass.elapsedMs !== null ? formatDuration(pass.elapsedMs) : pass.state === 'running' ? 'running' : 'waiting'}
            </span>
          </li>
        ))}
      </ol>
      {progress.rows && (
        <p className={styles.rows}>
          {progress.rows.done.toLocaleString()} of {progress.rows.total.toLocaleString()} rows
        </p>
      )}
    </div>
  );
}
