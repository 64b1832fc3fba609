import type { ReactNode } from 'react';

import styles from './Badge.module.css';

export type Tone = 'neutral' | 'accent' | 'success' | 'warning' | 'danger' | 'info';

export function Badge({ tone = 'neutral', dot = false, children }: { tone?: Tone; dot?: boolean; children: ReactNode }) {
  return (
    <span className={[styles.badge, styles[tone]].join(' ')}>
      {dot && <span className={styles.dot} aria-hidden />}
      {children}
    </span>
  );
}

const STATUS_TONES: Record<string, Tone> = {
  queued: 'neutral',
  running: 'info',
  succeeded: 'success',
  failed: 'danger',
  cancelled: 'warning',
  needs_review: 'accent',
  draft: 'neutral',
  published: 'success',
  deprecated: 'neutral',
  discarded: 'warning',
  archived: 'warning',
};

/** "needs_review" -> "Needs review" */
export function statusLabel(status: string): string {
  const label = status.replace(/_/g, ' ');
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** A job / version status, coloured by meaning; unknown statuses show neutral. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge tone={STATUS_TONES[status] ?? 'neutral'} dot>
      {statusLabel(status)}
    </Badge>
  );
}
