import { createColumnHelper } from '@tanstack/react-table';

import { formatScore, mappingRows, unmatchedFields, type MappedTable, type MappingRow, type Reason } from '@/lib/mapping';

import { Badge } from './Badge';
import { DataTable } from './DataTable';
import styles from './MappingTable.module.css';

const column = createColumnHelper<MappingRow>();

const REASON_TONE = { synonym: 'info', detector: 'accent', hook: 'warning' } as const;
const REASON_PREFIX = { synonym: '', detector: 'Detector ', hook: 'Hook ' } as const;

function ReasonChip({ reason }: { reason: Reason }) {
  return (
    <Badge tone={REASON_TONE[reason.kind]}>
      {REASON_PREFIX[reason.kind]}
      <span className={reason.kind === 'synonym' ? undefined : 'mono'}>{reason.label}</span>
      {reason.score !== null && <span className={styles.reasonScore}>+{formatScore(reason.score)}</span>}
    </Badge>
  );
}

const columns = [
  column.accessor('column', {
    header: 'Source column',
    cell: (info) => (
      <span className={styles.source}>
        <span className={styles.letter}>{info.getValue()}</span>
        {info.row.original.header ?? <span className={styles.muted}>(no header)</span>}
      </span>
    ),
  }),
  column.accessor((row) => row.field?.label ?? '', {
    id: 'field',
    header: 'Field',
    cell: (info) => {
      const field = info.row.original.field;
      if (field === null) return <span className={styles.muted}>Not mapped</span>;
      return (
        <span className={styles.field}>
          {field.label}
          <span className={styles.score}>{formatScore(field.score)}</span>
        </span>
      );
    },
  }),
  column.accessor((row) => row.runnerUp?.score ?? -1, {
    id: 'runnerUp',
    header: 'Runner-up',
    cell: (info) => {
      const runnerUp = info.row.original.runnerUp;
      if (runnerUp === null) return <span className={styles.muted}>—</span>;
      return (
        <span className={styles.field}>
          {runnerUp.label}
          <span className={styles.score}>{formatScore(runnerUp.score)}</span>
        </span>
      );
    },
  }),
  column.display({
    id: 'why',
    header: 'Why',
    cell: (info) => {
      const row = info.row.original;
      if (row.field === null) {
        return <span className={styles.muted}>{row.runnerUp ? 'No field reached the minimum score' : 'No field scored'}</span>;
      }
      return (
        <span className={styles.reasons}>
          {row.reasons.length === 0 ? <span className={styles.muted}>—</span> : row.reasons.map((r) => <ReasonChip key={`${r.kind}:${r.label}`} reason={r} />)}
        </span>
      );
    },
  }),
];

/** How each source column of a table was understood, and what was left over. */
export function MappingTable({ table }: { table: MappedTable }) {
  const rows = mappingRows(table);
  const unmatched = unmatchedFields(table);
  const unmappedColumns = rows.filter((r) => r.field === null);
  return (
    <div className={styles.mapping}>
      <DataTable label={`Mapping of ${table.id}`} columns={columns} data={rows} getRowId={(r) => r.column} />
      <div className={styles.leftovers}>
        <div>
          <h4 className={styles.leftoverTitle}>Unmapped columns</h4>
          {unmappedColumns.length === 0 ? (
            <p className={styles.muted}>Every column became a field.</p>
          ) : (
            <ul className={styles.chips} aria-label="Unmapped columns">
              {unmappedColumns.map((r) => (
                <li key={r.column}>
                  <Badge>
                    <span className="mono">{r.column}</span> {r.header ?? ''}
                  </Badge>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h4 className={styles.leftoverTitle}>Unmatched fields</h4>
          {unmatched.length === 0 ? (
            <p className={styles.muted}>Every field was found.</p>
          ) : (
            <ul className={styles.chips} aria-label="Unmatched fields">
              {unmatched.map((f) => (
                <li key={f.field}>
                  <Badge tone={f.required ? 'danger' : 'neutral'}>
                    <span className="mono">{f.field}</span>
                    {f.required && ' (required)'}
                  </Badge>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </div>
  );
}
