import { useQuery } from '@tanstack/react-query';
import { ArrowLeftRight } from 'lucide-react';
import { useState } from 'react';

import { Button } from '@/components/Button';
import { PageState } from '@/components/PageState';
import { Select } from '@/components/Select';
import { TableSkeleton } from '@/components/TableSkeleton';

import { diffQuery, DRAFT, historyQuery, membersQuery, type Version } from '../../api/history';
import { DiffPanel } from './DiffPanel';
import styles from './History.module.css';
import { ReplaceDraftDialog } from './ReplaceDraftDialog';
import { VersionsTable } from './VersionsTable';
import { changeSummary, comparisonOptions, defaultComparison } from './versions';

export interface HistoryViewProps {
  workspaceId: string;
  configId: string;
  canEdit: boolean;
  /** Open tabs with unsaved edits (a revert or restore does not include them). */
  unsaved?: boolean;
  /** After a revert or restore replaced the draft: the code view reloads its tabs. */
  onDraftReplaced?: () => void;
}

type Pending = { kind: 'revert' | 'restore'; version: Version } | null;

/** Every version (and discarded drafts) with a diff view between any two, revert and restore. */
export function HistoryView({ workspaceId, configId, canEdit, unsaved = false, onDraftReplaced }: HistoryViewProps) {
  const history = useQuery(historyQuery(workspaceId, configId));
  const members = useQuery(membersQuery(workspaceId));
  const [pair, setPair] = useState<{ from: string; to: string } | null>(null);
  const [pending, setPending] = useState<Pending>(null);

  return (
    <PageState query={history} loadingLabel="Loading the history" skeleton={<TableSkeleton label="Loading the history" columns={6} rows={4} />}>
      {(versions) => {
        const sides = pair ?? defaultComparison(versions);
        return (
          <div className={styles.history}>
            <section className={styles.section} aria-labelledby="history-versions">
              <div className={styles.sectionHeader}>
                <h2 id="history-versions" className={styles.sectionTitle}>
                  Versions
                </h2>
                <p className={styles.muted}>Published versions never change; a replaced draft is kept as a discarded one.</p>
              </div>
              <VersionsTable
                versions={versions}
                members={members.data}
                actions={{
                  compare: (version) => setPair({ from: version.version_id, to: DRAFT }),
                  ...(canEdit
                    ? {
                        revert: (version) => setPending({ kind: 'revert', version }),
                        restore: (version) => setPending({ kind: 'restore', version }),
                      }
                    : {}),
                }}
              />
            </section>
            <section className={styles.section} aria-labelledby="history-compare">
              <div className={styles.sectionHeader}>
                <h2 id="history-compare" className={styles.sectionTitle}>
                  Compare
                </h2>
                {sides && (
                  <Pickers versions={versions} from={sides.from} to={sides.to} onChange={setPair} />
                )}
              </div>
              {sides ? (
                <Comparison workspaceId={workspaceId} configId={configId} from={sides.from} to={sides.to} />
              ) : (
                <p className={styles.empty}>Nothing to compare yet: publish the draft to start its history.</p>
              )}
            </section>
            {pending && (
              <ReplaceDraftDialog
                workspaceId={workspaceId}
                configId={configId}
                kind={pending.kind}
                version={pending.version}
                versions={versions}
                unsaved={unsaved}
                onDone={() => onDraftReplaced?.()}
                onClose={() => setPending(null)}
              />
            )}
          </div>
        );
      }}
    </PageState>
  );
}

function Pickers({
  versions,
  from,
  to,
  onChange,
}: {
  versions: Version[];
  from: string;
  to: string;
  onChange: (pair: { from: string; to: string }) => void;
}) {
  const options = comparisonOptions(versions);
  return (
    <div className={styles.pickers}>
      <label className={styles.picker}>
        From
        <Select options={options} value={from} onChange={(event) => onChange({ from: event.target.value, to })} />
      </label>
      <Button variant="ghost" aria-label="Swap the two sides" onClick={() => onChange({ from: to, to: from })}>
        <ArrowLeftRight size={14} aria-hidden />
      </Button>
      <label className={styles.picker}>
        To
        <Select options={options} value={to} onChange={(event) => onChange({ from, to: event.target.value })} />
      </label>
    </div>
  );
}

function Comparison({ workspaceId, configId, from, to }: { workspaceId: string; configId: string; from: string; to: string }) {
  const diff = useQuery(diffQuery(workspaceId, configId, from, to));
  return (
    <PageState query={diff} loadingLabel="Comparing">
      {(data) => (
        <>
          <p className={styles.muted} role="status">
            {changeSummary(data.files)}
            {data.truncated ? ' (some files are too large to show)' : ''}
          </p>
          <DiffPanel key={`${from}:${to}`} diff={data} />
        </>
      )}
    </PageState>
  );
}
