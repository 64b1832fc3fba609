import { useQuery } from '@tanstack/react-query';
import { Ban, RotateCcw } from 'lucide-react';
import { Link, useParams } from 'react-router';

import { StatusBadge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { ProblemMessage } from '@/components/ProblemMessage';
import { configsQuery, versionQuery } from '@/features/configs/api/configs';
import { documentQuery } from '@/features/documents/api/documents';
import { canCancel, canRetry, useCancelJob, useRetryJob, type Job } from '@/features/jobs/api/jobs';
import { jobProgress } from '@/features/jobs/api/progress';
import { JobError, readJobError } from '@/features/jobs/components/JobError';
import { JobProgress } from '@/features/jobs/components/JobProgress';
import { JobSummary } from '@/features/jobs/components/JobSummary';
import { JobTimeline } from '@/features/jobs/components/JobTimeline';
import { useLiveJob } from '@/features/jobs/hooks/useLiveJob';
import { formatDateTime } from '@/lib/format';
import { permissions } from '@/lib/permissions';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';
import { JobResults } from './JobResults';
import { NotFound } from './NotFoundPage';
import styles from './DetailPage.module.css';

function JobFacts({ job, workspaceId }: { job: Job; workspaceId: string }) {
  const document = useQuery(documentQuery(workspaceId, job.document_id));
  const configs = useQuery(configsQuery(workspaceId, { page_size: 200 }));
  const config = configs.data?.items.find((c) => c.id === job.config_id);
  const version = useQuery(versionQuery(workspaceId, job.config_id, job.config_version_id));
  const semver = version.data?.semver;
  return (
    <JobSummary
      job={job}
      document={
        <Link to={`/w/${workspaceId}/documents/${job.document_id}`}>
          {document.data?.original_filename ?? job.document_id.slice(-8)}
        </Link>
      }
      config={
        <Link to={`/w/${workspaceId}/jobs?config=${job.config_id}`} title="Jobs of this config">
          {config ? config.title || config.slug : job.config_id.slice(-8)}
        </Link>
      }
      version={semver ? <span title={`Version ${job.config_version_id}`}>{semver}</span> : undefined}
    />
  );
}

export default function JobPage() {
  const workspace = useCurrentWorkspace();
  const { jobId = '' } = useParams();
  useDocumentTitle(`Job ${jobId.slice(-8)}`, workspace.name);
  const { job, events, live } = useLiveJob(workspace.id, jobId);
  const cancel = useCancelJob(workspace.id);
  const retry = useRetryJob(workspace.id);
  const allowed = permissions(workspace.role).edit;
  return (
    <PageState query={job} loadingLabel="Loading job" notFound={<NotFound what="job" />}>
      {(data) => {
        const error = data.status === 'failed' ? readJobError(data.error) : null;
        const actionError = cancel.error ?? retry.error;
        return (
          <>
            <PageHeader
              breadcrumb={<Link to={`/w/${workspace.id}/jobs`}>Jobs</Link>}
              title={`Job ${data.id.slice(-8)}`}
              description={`Submitted ${formatDateTime(data.created_at)}`}
              actions={
                <>
                  <StatusBadge status={data.status} />
                  {allowed && canCancel(data.status) && (
                    <Button loading={cancel.isPending} onClick={() => cancel.mutate(data.id)} disabled={data.cancel_requested_at !== null}>
                      <Ban size={14} aria-hidden />
                      {data.cancel_requested_at !== null ? 'Cancelling…' : 'Cancel'}
                    </Button>
                  )}
                  {allowed && canRetry(data.status) && (
                    <Button variant="primary" loading={retry.isPending} onClick={() => retry.mutate(data.id)}>
                      <RotateCcw size={14} aria-hidden />
                      Retry
                    </Button>
                  )}
                </>
              }
            />
            {actionError && (
              <div className={styles.spaced}>
                <ProblemMessage error={actionError} />
              </div>
            )}
            <section className={styles.card} aria-labelledby="summary">
              <h2 id="summary" className={styles.cardTitle}>
                Summary
              </h2>
              <JobFacts job={data} workspaceId={workspace.id} />
            </section>
            {error && (
              <section className={styles.card} aria-labelledby="failure">
                <h2 id="failure" className={styles.cardTitle}>
                  Why it failed
                </h2>
                <JobError error={error} />
              </section>
            )}
            <section className={styles.card} aria-labelledby="progress">
              <h2 id="progress" className={styles.cardTitle}>
                Progress {live === 'open' && <span className={styles.live}>Live</span>}
              </h2>
              <JobProgress progress={jobProgress(events.data?.items ?? [], data.status)} />
            </section>
            {data.status === 'succeeded' && <JobResults workspaceId={workspace.id} jobId={data.id} />}
            <section className={styles.card} aria-labelledby="timeline">
              <h2 id="timeline" className={styles.cardTitle}>
                Timeline
              </h2>
              <PageState
                query={events}
                loadingLabel="Loading timeline"
                isEmpty={(page) => page.items.length === 0}
                empty={{ title: 'No events yet' }}
              >
                {(page) => <JobTimeline events={page.items} />}
              </PageState>
            </section>
          </>
        );
      }}
    </PageState>
  );
}
