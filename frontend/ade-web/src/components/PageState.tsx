import { Inbox, RotateCw } from 'lucide-react';
import type { ReactNode } from 'react';

import { ApiError } from '@/api/errors';

import { Button } from './Button';
import { ProblemMessage } from './ProblemMessage';
import { Spinner } from './Spinner';
import styles from './PageState.module.css';

/** What a query looks like to PageState (TanStack Query's result fits). */
export interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

export interface PageStateProps<T> {
  query: QueryLike<T>;
  /** When the data counts as empty (e.g. `page => page.items.length === 0`). */
  isEmpty?: (data: T) => boolean;
  empty?: { title: string; description?: ReactNode; action?: ReactNode; icon?: ReactNode };
  /** What loading says to screen readers. */
  loadingLabel?: string;
  /** A placeholder of the content's shape while loading (e.g. `<TableSkeleton>`). */
  skeleton?: ReactNode;
  /** Rendered with the data when it is there and not empty. */
  children: (data: T) => ReactNode;
  /** Rendered for a 404: a resource that does not exist or is in another workspace. */
  notFound?: ReactNode;
}

/**
 * The one way a page shows a query's loading, error (readable message and a retry), empty and
 * loaded states, so no page is ever blank.
 */
export function PageState<T>({
  query,
  isEmpty,
  empty,
  loadingLabel = 'Loading',
  skeleton,
  children,
  notFound,
}: PageStateProps<T>) {
  if (query.data !== undefined) {
    if (isEmpty?.(query.data) && empty) return <EmptyState {...empty} />;
    return <>{children(query.data)}</>;
  }
  if (query.error) {
    if (notFound !== undefined && query.error instanceof ApiError && query.error.status === 404) {
      return <>{notFound}</>;
    }
    return (
      <div className={styles.error}>
        <ProblemMessage
          error={query.error}
          action={
            <Button size="sm" onClick={() => void query.refetch()}>
              <RotateCw size={14} aria-hidden />
              Retry
            </Button>
          }
        />
      </div>
    );
  }
  return skeleton ?? <LoadingState label={loadingLabel} />;
}

/** A spinner and what is loading, announced politely (also the lazy pages' fallback). */
export function LoadingState({ label = 'Loading' }: { label?: string }) {
  return (
    <div className={styles.loading} role="status" aria-live="polite">
      <Spinner size={18} />
      <span>{label}…</span>
    </div>
  );
}

export function EmptyState({
  title,
  description,
  action,
  icon,
}: {
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
}) {
  return (
    <div className={styles.empty}>
      <div className={styles.emptyIcon} aria-hidden>
        {icon ?? <Inbox size={20} />}
      </div>
      <p className={styles.emptyTitle}>{title}</p>
      {description && <p className={styles.emptyText}>{description}</p>}
      {action && <div className={styles.emptyAction}>{action}</div>}
    </div>
  );
}
