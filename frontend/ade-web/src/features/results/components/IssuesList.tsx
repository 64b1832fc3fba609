import { Crosshair } from 'lucide-react';

import type { Issue } from '../api/issues';
import styles from './Results.module.css';

/** Validation issues; each one jumps to its cell in the output grid. */
export function IssuesList({ issues, total, onJump }: { issues: Issue[]; total: number; onJump: (issue: Issue) => void }) {
  return (
    <>
      <ul className={styles.issues} aria-label="Validation issues">
        {issues.map((issue, i) => (
          <li key={`${issue.address}:${i}`}>
            <button type="button" className={styles.issue} onClick={() => onJump(issue)}>
              <span className={styles.address}>{issue.address}</span>
              <span className={styles.issueField}>{issue.field}</span>
              <span className={styles.issueMessage}>{issue.message}</span>
              {issue.value !== '' && <span className={styles.issueValue}>“{issue.value}”</span>}
              <Crosshair size={14} aria-hidden className={styles.issueIcon} />
              <span className="visually-hidden">Show cell {issue.address}</span>
            </button>
          </li>
        ))}
      </ul>
      {total > issues.length && (
        <p className={styles.muted}>
          Showing the first {issues.length} of {total} issues; the workbook's Issues sheet has them all.
        </p>
      )}
    </>
  );
}
