import { useQuery } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import { lazy, Suspense } from 'react';

import { Button } from '@/components/Button';
import { LoadingState, PageState } from '@/components/PageState';
import { ProblemMessage } from '@/components/ProblemMessage';

import { dryRunRowsQuery, PREVIEW_ROWS, useDryRunDownload } from '../../api/dryRun';
import styles from './DryRun.module.css';

const OutputGrid = lazy(() => import('@/components/OutputGrid'));

const noRange = () => undefined;

/** The first rows of the run's preview workbook, and its download. */
export function OutputPreview({ workspaceId, configId, runId, filename }: { workspaceId: string; configId: string; runId: string; filename: string }) {
  const rows = useQuery(dryRunRowsQuery(workspaceId, configId, runId));
  const download = useDryRunDownload(workspaceId, configId);
  return (
    <div className={styles.output}>
      <div className={styles.outputBar}>
        <Button size="sm" variant="primary" loading={download.isPending} onClick={() => download.mutate({ runId, filename })}>
          {!download.isPending && <Download size={14} aria-hidden />}
          Preview workbook (.xlsx)
        </Button>
        {rows.data && rows.data.total > PREVIEW_ROWS && (
          <span className={styles.meta}>
            The first {PREVIEW_ROWS} of {rows.data.total} rows; the workbook has them all.
          </span>
        )}
      </div>
      {download.error !== null && <ProblemMessage error={download.error} />}
      <PageState
        query={rows}
        loadingLabel="Loading the output rows"
        isEmpty={(page) => page.rows.length === 0}
        empty={{ title: 'The output sheet is empty', description: 'No table was mapped, so no rows were written.' }}
      >
        {(page) => (
          <Suspense fallback={<LoadingState label="Loading the grid" />}>
            <OutputGrid
              total={page.rows.length}
              header={page.rows[0] ?? []}
              rowAt={(index) => page.rows[index]}
              onRange={noRange}
              target={null}
            />
          </Suspense>
        )}
      </PageState>
    </div>
  );
}
