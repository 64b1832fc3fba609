import { AlertCircle } from 'lucide-react';
import type { ReactNode } from 'react';

import { ApiError, errorMessage } from '@/api/errors';

import styles from './ProblemMessage.module.css';

/** An error as a readable message (role="alert"), e.g. next to the form that caused it.
 * `withTitle={false}` leaves out the problem's generic title where the form already says what
 * was tried (a failed sign-in is "incorrect email or password", not "Authentication required"). */
export function ProblemMessage({
  error,
  action,
  withTitle = true,
}: {
  error: unknown;
  action?: ReactNode;
  withTitle?: boolean;
}) {
  const [first = '', ...rest] = errorMessage(error).split('\n');
  const title =
    withTitle && error instanceof ApiError && error.detail && error.title !== first ? error.title : null;
  return (
    <div role="alert" className={styles.problem}>
      <AlertCircle size={16} aria-hidden className={styles.icon} />
      <div className={styles.text}>
        {title && <p className={styles.title}>{title}</p>}
        <p>{first}</p>
        {rest.length > 0 && (
          <ul className={styles.list}>
            {rest.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        )}
        {error instanceof ApiError && error.requestId && (
          <p className={styles.meta}>Request id {error.requestId}</p>
        )}
      </div>
      {action && <div className={styles.action}>{action}</div>}
    </div>
  );
}
