import { useQuery } from '@tanstack/react-query';
import { Play, SlidersHorizontal } from 'lucide-react';
import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';

import { StatusBadge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { PageHeader } from '@/components/PageHeader';
import { EmptyState, PageState } from '@/components/PageState';
import { ProblemMessage } from '@/components/ProblemMessage';
import { documentQuery, membersByIdQuery } from '@/features/documents/api/documents';
import { useRunDocument, type JobSubmit } from '@/features/documents/api/run';
import { RunDialog } from '@/features/documents/components/RunDialog';
import { useLiveDocuments } from '@/features/documents/hooks/useLiveDocuments';
import { formatBytes, formatDateTime, formatRelative } from '@/lib/format';
import { useDocumentTitle } from '@/lib/useDocumentTitle';
import { permissions } from '@/lib/permissions';

import { useCurrentWorkspace } from '../layout/useCurrentWorkspace';
import { NotFound } from './NotFoundPage';
import styles from './DetailPage.module.css';

const SourcePreview = lazy(() => import('@/features/documents/components/SourcePreview'));
const loading = { data: undefined, error: null, isPending: true, refetch: () => undefined };

export default function DocumentPage() {
  const workspace = useCurrentWorkspace();
  const can = permissions(workspace.role);
  const { documentId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const query = useQuery(documentQuery(workspace.id, documentId));
  useDocumentTitle(query.data?.original_filename, workspace.name);
  const members = useQuery(membersByIdQuery(workspace.id));
  const live = useLiveDocuments(workspace.id);
  const run = useRunDocument(workspace.id);
  const [choosing, setChoosing] = useState(false);
  const submit = (body: JobSubmit) =>
    run.mutate(body, { onSuccess: (job) => void navigate(`/w/${workspace.id}/jobs/${job.id}`) });

  return (
    <PageState query={query} loadingLabel="Loading document" notFound={<NotFound what="document" />}>
      {(document) => {
        const uploader = document.uploaded_by_id
          ? (members.data?.get(document.uploaded_by_id) ?? 'a former member')
          : 'an API key or a removed user';
        const annotateFrom = document.jobs.find((job) => job.status === 'succeeded')?.id ?? null;
        return (
          <>
            <PageHeader
              breadcrumb={<Link to={`/w/${workspace.id}/documents`}>Documents</Link>}
              title={document.original_filename}
              description={`${document.file_type.toUpperCase()} · ${formatBytes(document.size)} · uploaded by ${uploader} on ${formatDateTime(document.created_at)}`}
              actions={
                can.edit ? (
                  <>
                    <Button onClick={() => setChoosing(true)}>
                      <SlidersHorizontal size={14} aria-hidden />
                      Run with…
                    </Button>
                    <Button
                      variant="primary"
                      loading={run.isPending && !choosing}
                      onClick={() => submit({ document_id: document.id, force: false, flags: {} })}
                    >
                      <Play size={14} aria-hidden />
                      Run
                    </Button>
                  </>
                ) : undefined
              }
            />
            {run.error && !choosing && (
              <div style={{ marginBottom: 16 }}>
                <ProblemMessage error={run.error} />
              </div>
            )}
            <section className={styles.card} aria-labelledby="jobs">
              <h2 id="jobs" className={styles.cardTitle}>
                Jobs {live === 'open' && <span className={styles.live}>Live</span>}
              </h2>
              {document.jobs.length === 0 ? (
                <EmptyState
                  title="Not run yet"
                  description={can.edit ? "Run it with the workspace's active config." : 'Nobody has run this document yet.'}
                />
              ) : (
                <ul className={styles.list}>
                  {document.jobs.map((job) => (
                    <li key={job.id}>
                      <Link to={`/w/${workspace.id}/jobs/${job.id}`} className="mono">
                        Job {job.id.slice(-8)}
                      </Link>
                      <StatusBadge status={job.status} />
                      {job.error_type && <span className={styles.meta}>{job.error_type} error</span>}
                      <time dateTime={job.created_at}>{formatRelative(job.created_at)}</time>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section className={styles.card} aria-labelledby="preview">
              <h2 id="preview" className={styles.cardTitle}>
                Source preview
              </h2>
              <Suspense fallback={<PageState query={loading}>{() => null}</PageState>}>
                <SourcePreview
                  workspaceId={workspace.id}
                  documentId={document.id}
                  annotateFromJobId={annotateFrom}
                  sheet={params.get('sheet')}
                  onSheetChange={(sheet) => setParams({ sheet }, { replace: true })}
                />
              </Suspense>
            </section>
            {can.edit && (
              <RunDialog
                workspaceId={workspace.id}
                documentId={document.id}
                open={choosing}
                onOpenChange={(open) => {
                  run.reset();
                  setChoosing(open);
                }}
                onRun={submit}
                pending={run.isPending}
                error={run.error}
              />
            )}
          </>
        );
      }}
    </PageState>
  );
}
