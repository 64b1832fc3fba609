import type { ReactNode } from 'react';

import { DescriptionList } from '@/components/DescriptionList';
import { formatDateTime, formatDuration } from '@/lib/format';

import type { Job } from '../api/jobs';

const METRICS: [key: string, label: string][] = [
  ['sheets_scanned', 'Sheets scanned'],
  ['tables_found', 'Tables found'],
  ['rows_processed', 'Rows processed'],
  ['issues', 'Issues'],
];

function numberOf(record: Record<string, unknown> | null, key: string): number | undefined {
  const value = record?.[key];
  return typeof value === 'number' ? value : undefined;
}

/** Run time so far (running) or in total (finished); nothing before it started. */
export function jobDuration(job: Job, now: number = Date.now()): number | null {
  if (job.started_at === null) return null;
  const end = job.completed_at === null ? now : new Date(job.completed_at).getTime();
  return end - new Date(job.started_at).getTime();
}

/** A job's facts: timings, attempts, cache, and its metrics once it has them. */
export function JobSummary({
  job,
  document,
  config,
  version,
}: {
  job: Job;
  document: ReactNode;
  config?: ReactNode;
  /** The config version as a person knows it (its semver); its id until that is known. */
  version?: ReactNode;
}) {
  const duration = jobDuration(job);
  return (
    <DescriptionList
      items={[
        { term: 'Document', value: document },
        ...(config === undefined ? [] : [{ term: 'Config', value: config }]),
        { term: 'Version', value: version ?? <span className="mono">{job.config_version_id.slice(-8)}</span> },
        { term: 'Queued', value: formatDateTime(job.queued_at) },
        { term: 'Started', value: job.started_at && formatDateTime(job.started_at) },
        { term: 'Finished', value: job.completed_at && formatDateTime(job.completed_at) },
        { term: 'Duration', value: duration === null ? null : formatDuration(duration) },
        { term: 'Attempts', value: job.attempts },
        { term: 'Cache', value: job.cache_hit ? 'Reused an earlier run' : 'Ran' },
        ...METRICS.map(([key, label]) => ({ term: label, value: numberOf(job.metrics, key)?.toLocaleString() })),
      ]}
    />
  );
}
