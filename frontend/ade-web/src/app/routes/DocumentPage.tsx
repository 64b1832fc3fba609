import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';

import { StatusBadge } from '@/components/Badge';
import { EmptyState, PageState } from '@/components/PageState';
import { PageHeader } from '@/components/PageHeader';
import { documentQuery } from '@/features/documents/api/documents';
import { formatBytes, formatDateTime, formatRelative } from '@/lib/format';
import { useDocumentTitle } from '@/lib/useDocumentTitle';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';
import { NotFound } from './NotFoundPage';
import styles from './DetailPage.module.css';

export default function DocumentPage() {
  const workspace = useCurrentWorkspace();
  const { documentId = '' } = useParams();
  const query = useQuery(documentQuery(workspace.id, documentId));
  useDocumentTitle(query.data?.original_filename, workspace.name);
  return (
    <PageState query={query} loadingLabel="Loading document" notFound={<NotFound what="document" />}>
      {(document) => (
        <>
          <PageHeader
            breadcrumb={<Link to={`/w/${workspace.id}/documents`}>Documents</Link>}
            title={document.original_filename}
            description={`${document.file_type.toUpperCase()} · ${formatBytes(document.size)} · uploaded ${formatDateTime(document.created_at)}`}
          />
          <section className={styles.card} aria-labelledby="jobs">
            <h2 id="jobs" className={styles.cardTitle}>
              Jobs
            </h2>
            {document.jobs.length === 0 ? (
              <EmptyState title="Not run yet" description="Run this document with the workspace's active config." />
            ) : (
              <ul className={styles.list}>
                {document.jobs.map((job) => (
                  <li key={job.id}>
                    <Link to={`/w/${workspace.id}/jobs/${job.id}`} className="mono">
                      {job.id.slice(-8)}
                    </Link>
                    <StatusBadge status={job.status} />
                    <time dateTime={job.created_at}>{formatRelative(job.created_at)}</time>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </PageState>
  );
}
