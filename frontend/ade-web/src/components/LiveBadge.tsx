import type { StreamState } from '@/lib/sse';

import styles from './LiveBadge.module.css';

const LABELS: Record<StreamState, string | null> = {
  open: 'Live',
  connecting: null,
  reconnecting: 'Reconnecting…',
  closed: null,
};

/** Whether a live stream (useEventStream's state) is following changes; nothing when idle. */
export function LiveBadge({ state }: { state: StreamState }) {
  const label = LABELS[state];
  if (label === null) return null;
  return (
    <span className={[styles.badge, state === 'open' ? styles.open : styles.reconnecting].join(' ')} role="status">
      {label}
    </span>
  );
}
