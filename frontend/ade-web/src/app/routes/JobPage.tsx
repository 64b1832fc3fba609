import { Link, useParams } from 'react-router';

import { StatusBadge } from '@/components/Badge';
import { PageHeader } from '@/components/PageHeader';
import { PageState } from '@/components/PageState';
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
            title={<span className="mono">Job {data.id.slice(-8)}</span>}
            description={`Submitted ${formatDateTime(data.created_at)}`}
            actions={<StatusBadge status={data.status} />}
          />
          <section className={styles.card} aria-labelledby="timeline">
            <h2 id="timeline" className={styles.cardTitle}>
              Timeline {live === 'open' && <span className={styles.live}>Live</span>}
            </h2>
            <PageState query={events} loadingLabel="Loading timeline" isEmpty={(page) => page.items.length === 0} empty={{ title: 'No events yet' }}>
              {(page) => <JobTimeline events={page.items} />}
            </PageState>
          </section>
          <p className={styles.meta}>
            Document <Link to={`/w/${workspace.id}/documents/${data.document_id}`}>{data.document_id.slice(-8)}</Link>
          </p>
        </>
      )}
    </PageState>
  );
}
