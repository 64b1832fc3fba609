import { formatDateTime } from '@/lib/format';

import type { JobEvent } from '../api/jobs';
import styles from './JobTimeline.module.css';

/** A job's events in order: what happened and when. */
export function JobTimeline({ events }: { events: JobEvent[] }) {
  return (
    <ol className={styles.timeline} aria-label="Job timeline">
      {events.map((event) => (
        <li key={event.seq} className={styles.item}>
          <span className={styles.dot} aria-hidden />
          <span className={styles.type}>{event.type.replace(/[._]/g, ' ')}</span>
          <time className={styles.time} dateTime={event.created_at}>
            {formatDateTime(event.created_at)}
          </time>
        </li>
      ))}
    </ol>
  );
}
