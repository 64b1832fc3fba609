import { Badge } from '@/components/Badge';
import { MappingTable } from '@/components/MappingTable';

import type { DryRunTable } from '../../api/dryRun';
import { mappedTable, tableIssues } from './shape';
import styles from './DryRun.module.css';

/** One table the run found: how its columns were mapped, and its validation issues. */
export function TablePreviewCard({ table }: { table: DryRunTable }) {
  const issues = tableIssues(table);
  const headingId = `dry-run-table-${table.id.replace(/\W+/g, '-')}`;
  const dataRows = table.data_rows ?? [];
  return (
    <section className={styles.card} aria-labelledby={headingId}>
      <h3 id={headingId} className={styles.cardTitle}>
        {table.sheet} <span className={styles.range}>{table.range}</span>
        <Badge tone={table.status === 'mapped' ? 'success' : 'warning'}>{table.status ?? 'found'}</Badge>
        {dataRows.length === 2 && (
          <span className={styles.meta}>
            data rows {dataRows[0]}–{dataRows[1]}
          </span>
        )}
      </h3>
      {table.reason && <p className={styles.muted}>{table.reason}</p>}
      <MappingTable table={mappedTable(table)} />
      <h4 className={styles.subTitle}>Validation issues</h4>
      {issues.messages.length === 0 && issues.byField.length === 0 ? (
        <p className={styles.muted}>No validation issues.</p>
      ) : (
        <ul className={styles.issueList} aria-label={`Validation issues of ${table.id}`}>
          {issues.messages.map((message) => (
            <li key={message}>
              <Badge tone="danger">table</Badge> {message}
            </li>
          ))}
          {issues.byField.map((entry) => (
            <li key={entry.field}>
              <Badge tone="warning">
                <span className="mono">{entry.field}</span>
              </Badge>{' '}
              {entry.count === 1 ? '1 cell failed validation' : `${entry.count} cells failed validation`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
