import { formatDateTime, formatDuration, formatTime } from '@/lib/format';

import type { JobEvent } from '../api/jobs';
import { jobTimeline, type SpanEntry } from '../api/timeline';
import styles from './JobTimeline.module.css';

/**
 * A job's timeline in order: what happened and when, the engine's passes as spans (see
 * `jobTimeline`): detect, map, then one "rows" span with each pass's own time inside it.
 */
export function JobTimeline({ events }: { events: JobEvent[] }) {
  return (
    <ol className={styles.timeline} aria-label="Job timeline">
      {jobTimeline(events).map((entry) => (
        <li key={entry.key} className={entry.kind === 'event' && entry.inside ? `${styles.item} ${styles.inside}` : styles.item}>
          <span className={styles.dot} aria-hidden />
          <div className={styles.body}>
            <div className={styles.line}>
              <span className={styles.type}>{entry.label}</span>
              {entry.kind === 'span' && <span className={styles.elapsed}>{entry.elapsedMs !== null ? formatDuration(entry.elapsedMs) : 'not finished'}</span>}
              <time className={styles.time} dateTime={entry.at} title={formatDateTime(entry.at)}>
                {formatTime(entry.at)}
              </time>
            </div>
            {entry.kind === 'span' && <SpanDetail span={entry} />}
          </div>
        </li>
      ))}
    </ol>
  );
}

function SpanDetail({ span }: { span: SpanEntry }) {
  return (
    <>
      <p className={styles.note}>{span.description}</p>
      {span.passes.length > 1 && (
        <ul className={styles.passes} aria-label={`${span.label}: each pass's time`}>
          {span.passes.map((pass) => (
            <li key={pass.name}>
              {pass.name} <span className={styles.elapsed}>{pass.elapsedMs !== null ? formatDuration(pass.elapsedMs) : '…'}</span>
            </li>
          ))}
        </ul>
      )}
      {span.rows && (
        <p className={styles.note}>
          {span.rows.done.toLocaleString()} of {span.rows.total.toLocaleString()} rows
        </p>
      )}
    </>
  );
}
