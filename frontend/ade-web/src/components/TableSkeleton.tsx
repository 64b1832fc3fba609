import styles from './TableSkeleton.module.css';

/** A list's shape while it loads (announced as loading), so the page does not jump. */
export function TableSkeleton({ label, rows = 6, columns = 4 }: { label: string; rows?: number; columns?: number }) {
  return (
    <div className={styles.wrapper} role="status" aria-live="polite">
      <span className="visually-hidden">{label}…</span>
      <div className={styles.header} aria-hidden />
      {Array.from({ length: rows }, (_, row) => (
        <div key={row} className={styles.row} aria-hidden>
          {Array.from({ length: columns }, (_, column) => (
            <span key={column} className={styles.cell} style={{ width: `${column === 0 ? 40 : 18 + ((row + column) % 3) * 6}%` }} />
          ))}
        </div>
      ))}
    </div>
  );
}
