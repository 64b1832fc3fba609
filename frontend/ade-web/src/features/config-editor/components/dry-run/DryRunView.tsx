/**
 * The dry run: pick a document (kept in the URL, `?document=`, so a re-run after an edit and a
 * trip to another view keep it) or upload one, run the saved draft on it in the sandbox, and
 * see each table's mapping with scores and why, its validation issues, the console and the
 * output rows. A failure in config code offers a jump to its file and line.
 */
import { CircleAlert, FileCode, Play } from 'lucide-react';
import { useSearchParams } from 'react-router';

import { Badge } from '@/components/Badge';
import { Button } from '@/components/Button';
import { ProblemMessage } from '@/components/ProblemMessage';
import { Spinner } from '@/components/Spinner';

import { useDryRun, type DryRun } from '../../api/dryRun';
import { ConsolePanel } from './ConsolePanel';
import { DocumentPicker } from './DocumentPicker';
import { OutputPreview } from './OutputPreview';
import { consoleLines, runFailure, statusLabel } from './shape';
import { TablePreviewCard } from './TablePreviewCard';
import styles from './DryRun.module.css';

export interface DryRunViewProps {
  workspaceId: string;
  configId: string;
  canEdit: boolean;
  /** Files edited in the code view and not saved: the run does not see them. */
  unsaved?: boolean;
  /** Show a draft file at a line (in the code view). */
  onJump?: (file: string, line: number) => void;
}

const DOCUMENT_PARAM = 'document';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Run the draft on a document in the sandbox and show the mapping preview, console and output. */
export function DryRunView({ workspaceId, configId, canEdit, unsaved = false, onJump }: DryRunViewProps) {
  const [params, setParams] = useSearchParams();
  const documentId = params.get(DOCUMENT_PARAM);
  const run = useDryRun(workspaceId, configId);

  function pick(next: string | null) {
    setParams(
      (prev) => {
        const updated = new URLSearchParams(prev);
        if (next === null) updated.delete(DOCUMENT_PARAM);
        else updated.set(DOCUMENT_PARAM, next);
        return updated;
      },
      { replace: true },
    );
  }

  if (!canEdit) {
    return (
      <div className={styles.view}>
        <p className={styles.muted}>Editors run the draft on a document here; you can read the draft and its history.</p>
      </div>
    );
  }

  return (
    <div className={styles.view}>
      <section className={styles.card} aria-labelledby="dry-run-title">
        <h2 id="dry-run-title" className={styles.cardTitle}>
          Run the draft on a document
        </h2>
        <div className={styles.controls}>
          <DocumentPicker workspaceId={workspaceId} value={documentId} onChange={pick} canUpload />
          <Button
            variant="primary"
            disabled={documentId === null}
            loading={run.pending}
            onClick={() => documentId !== null && run.run(documentId)}
          >
            {!run.pending && <Play size={14} aria-hidden />}
            {run.data ? 'Run again' : 'Run'}
          </Button>
        </div>
        <p className={unsaved ? styles.warning : styles.muted} role={unsaved ? 'note' : undefined}>
          {unsaved
            ? 'Some files have unsaved changes in the code view: the run uses the saved draft, without them.'
            : 'The run uses the saved draft, in the sandbox; nothing is stored as a job.'}
        </p>
      </section>
      {run.pending && (
        <p className={styles.running} role="status">
          <Spinner size={16} /> Running the draft in the sandbox…
        </p>
      )}
      {run.error !== null && <ProblemMessage error={run.error} />}
      {run.data && (
        <RunResult run={run.data} workspaceId={workspaceId} configId={configId} onJump={onJump} />
      )}
    </div>
  );
}

function RunResult({
  run,
  workspaceId,
  configId,
  onJump,
}: {
  run: DryRun;
  workspaceId: string;
  configId: string;
  onJump: ((file: string, line: number) => void) | undefined;
}) {
  const failure = runFailure(run);
  const where = failure?.where ?? null;
  return (
    <>
      <p className={styles.summary} aria-label="Run summary">
        <Badge tone={run.status === 'succeeded' ? 'success' : 'danger'} dot>
          {statusLabel(run.status)}
        </Badge>
        <span>{run.tables.length === 1 ? '1 table' : `${run.tables.length} tables`}</span>
        <span className={styles.meta}>{seconds(run.elapsed_ms)}</span>
        <span className={styles.meta}>
          draft <span className="mono">{run.files_hash.slice(0, 12)}</span>
        </span>
      </p>
      {failure && (
        <div role="alert" className={styles.failure}>
          <CircleAlert size={16} aria-hidden className={styles.failureIcon} />
          <div>
            <p className={styles.failureMessage}>{failure.message}</p>
            {where && (
              <p className={styles.meta}>
                in <span className="mono">{`${where.file}:${where.line}`}</span>
              </p>
            )}
          </div>
          {where && onJump && (
            <Button size="sm" onClick={() => onJump(where.file, where.line)}>
              <FileCode size={14} aria-hidden /> Open {where.file} at line {where.line}
            </Button>
          )}
        </div>
      )}
      {run.tables.map((table) => (
        <TablePreviewCard key={table.id} table={table} />
      ))}
      {run.status === 'succeeded' && run.tables.length === 0 && (
        <p className={styles.muted}>No table was found in the document.</p>
      )}
      <section className={styles.card} aria-labelledby="dry-run-console">
        <h3 id="dry-run-console" className={styles.cardTitle}>
          Console
        </h3>
        <ConsolePanel lines={consoleLines(run)} />
      </section>
      {run.output_url && (
        <section className={styles.card} aria-labelledby="dry-run-output">
          <h3 id="dry-run-output" className={styles.cardTitle}>
            Output preview
          </h3>
          <OutputPreview workspaceId={workspaceId} configId={configId} runId={run.run_id} filename={`dry-run-${run.run_id}.xlsx`} />
        </section>
      )}
    </>
  );
}
