import { Link, useParams } from 'react-router';

import { StatusBadge } from '@/components/Badge';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
import { JobSummary } from '@/features/jobs/components/JobSummary';
import { JobTimeline } from '@/features/jobs/components/JobTimeline';
import { useLiveJob } from '@/features/jobs/hooks/useLiveJob';
import { formatDateTime } from '@/lib/format';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';
import { NotFound } from './NotFoundPage';
import styles from './DetailPage.module.css';

export default function JobPage() {
  const workspace = useCurrentWorkspace();
  const { jobId = '' } = useParams();
  useDocumentTitle(`Job ${jobId.slice(-8)}`, workspace.name);
  const { job, events, live } = useLiveJob(workspace.id, jobId);
  return (
    <PageState query={job} loadingLabel="Loading job" notFound={<NotFound what="job" />}>
      {(data) => (
        <>
          <PageHeader
            breadcrumb={<Link to={`/w/${workspace.id}/jobs`}>Jobs</Link>}
            title={`Job ${data.id.slice(-8)}`}
            description={`Submitted ${formatDateTime(data.created_at)}`}
            actions={<StatusBadge status={data.status} />}
          />
          <section className={styles.card} aria-labelledby="summary">
            <h2 id="summary" className={styles.cardTitle}>
              Summary
            </h2>
            <JobSummary
              job={data}
              document={<Link to={`/w/${workspace.id}/documents/${data.document_id}`}>Open document</Link>}
            />
          </section>
          <section className={styles.card} aria-labelledby="timeline">
            <h2 id="timeline" className={styles.cardTitle}>
              Timeline {live === 'open' && <span className={styles.live}>Live</span>}
            </h2>
            <PageState query={events} loadingLabel="Loading timeline" isEmpty={(page) => page.items.length === 0} empty={{ title: 'No events yet' }}>
              {(page) => <JobTimeline events={page.items} />}
            </PageState>
          </section>
        </>
      )}
    </PageState>
  );
}
