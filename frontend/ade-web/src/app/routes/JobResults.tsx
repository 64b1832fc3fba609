/** The result of a succeeded job: downloads, each table's mapping, issues, the output grid. */
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState, type ReactNode } from 'react';

import { Badge } from '@/components/Badge';
import { PageState } from '@/components/PageState';
import { Spinner } from '@/components/Spinner';
import type { Artifact } from '@/features/results/api/artifact';
import { issuesOf, type Issue } from '@/features/results/api/issues';
import { artifactQuery, ISSUES_LIMIT, outputRowsQuery, tablesQuery, useDownload } from '@/features/results/api/results';
import { DownloadButtons } from '@/features/results/components/DownloadButtons';
import { IssuesList } from '@/features/results/components/IssuesList';
import { MappingTable } from '@/components/MappingTable';
import type { GridTarget } from '@/components/OutputGrid';
import { useOutputRows } from '@/features/results/hooks/useOutputRows';

import styles from './DetailPage.module.css';

const OutputGrid = lazy(() => import('@/components/OutputGrid'));

function Section({ id, title, extra, children }: { id: string; title: string; extra?: ReactNode; children: ReactNode }) {
  return (
    <section className={styles.card} aria-labelledby={id}>
      <h2 id={id} className={styles.cardTitle}>
        {title} {extra}
      </h2>
      {children}
    </section>
  );
}

export function JobResults({ workspaceId, jobId }: { workspaceId: string; jobId: string }) {
  const artifact = useQuery(artifactQuery(workspaceId, jobId));
  const download = useDownload(workspaceId, jobId);
  return (
    <>
      <Section id="downloads" title="Downloads">
        <DownloadButtons
          kinds={['xlsx', 'csv', 'artifact']}
          pending={download.isPending ? download.variables : null}
          error={download.error}
          onDownload={(kind) => download.mutate(kind)}
        />
      </Section>
      <PageState query={artifact} loadingLabel="Loading the result">
        {(data) => <ResultBody workspaceId={workspaceId} jobId={jobId} artifact={data} />}
      </PageState>
    </>
  );
}

function ResultBody({ workspaceId, jobId, artifact }: { workspaceId: string; jobId: string; artifact: Artifact }) {
  const tables = useQuery(tablesQuery(workspaceId, jobId));
  const issuesSheet = artifact.output?.issuesSheet ?? 'Issues';
  const columns = artifact.output?.columns ?? [];
  const issues = useQuery({
    ...outputRowsQuery(workspaceId, jobId, issuesSheet, 0, ISSUES_LIMIT + 1),
    select: (page) => ({ issues: issuesOf(page, columns), total: Math.max(0, page.total - 1) }),
  });
  const rows = useOutputRows(workspaceId, jobId);
  const [target, setTarget] = useState<GridTarget | null>(null);
  const jump = (issue: Issue) => {
    setTarget({ row: issue.row, column: issue.column });
    document.getElementById('output')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };
  const detail = new Map(artifact.tables.map((t) => [`${t.sheet}\u0000${t.id}`, t]));
  return (
    <>
      <PageState
        query={tables}
        loadingLabel="Loading tables"
        isEmpty={(page) => page.total === 0}
        empty={{ title: 'No tables found', description: 'The engine found no table in this document.' }}
      >
        {(page) => (
          <>
            {page.items.map((table) => {
              const found = detail.get(`${table.sheet}\u0000${table.id}`);
              const titleId = `table-${table.sheet}-${table.id}`.replace(/[^\w-]/g, '_');
              return (
                <Section
                  key={titleId}
                  id={titleId}
                  title={`${table.sheet} · ${table.range}`}
                  extra={
                    <>
                      <Badge tone={table.status === 'mapped' ? 'success' : 'warning'}>{table.status ?? 'unknown'}</Badge>
                      <span className={styles.tableMeta}>
                        {Number(table.rows?.written ?? 0).toLocaleString()} rows written · {table.issues} issues
                      </span>
                    </>
                  }
                >
                  {found?.reason && <p className={styles.meta}>{found.reason}</p>}
                  {found ? <MappingTable table={found} /> : <p className={styles.meta}>No mapping details for this table.</p>}
                </Section>
              );
            })}
          </>
        )}
      </PageState>
      <Section id="issues" title="Validation issues" extra={issues.data && <Badge tone={issues.data.total > 0 ? 'warning' : 'success'}>{issues.data.total}</Badge>}>
        <PageState
          query={issues}
          loadingLabel="Loading issues"
          isEmpty={(data) => data.issues.length === 0}
          empty={{ title: 'No issues', description: 'Every value passed validation.' }}
        >
          {(data) => <IssuesList issues={data.issues.slice(0, ISSUES_LIMIT)} total={data.total} onJump={jump} />}
        </PageState>
      </Section>
      <Section id="output" title="Output preview" extra={artifact.output && <span className={styles.tableMeta}>{artifact.output.sheet} · {artifact.output.rows.toLocaleString()} rows</span>}>
        <PageState query={rows.head} loadingLabel="Loading the output" isEmpty={(page) => page.total <= 1} empty={{ title: 'The output has no rows' }}>
          {(page) => (
            <Suspense fallback={<Spinner size={18} />}>
              <OutputGrid total={page.total} header={page.rows[0] ?? []} rowAt={rows.rowAt} onRange={rows.onRange} target={target} />
            </Suspense>
          )}
        </PageState>
      </Section>
    </>
  );
}
