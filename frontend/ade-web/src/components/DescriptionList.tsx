import type { ReactNode } from 'react';

import styles from './DescriptionList.module.css';

export interface Description {
  term: string;
  /** null/undefined shows an em dash. */
  value: ReactNode;
}

/** Facts about one resource as a labelled grid (a <dl>): "Status — Succeeded", … */
export function DescriptionList({ items }: { items: Description[] }) {
  return (
    <dl className={styles.list}>
      {items.map(({ term, value }) => (
        <div key={term} className={styles.item}>
          <dt className={styles.term}>{term}</dt>
          <dd className={styles.value}>{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}
