import type { ReactNode } from 'react';

import { Logo } from './Logo';
import styles from './AuthCard.module.css';

/** The centred card of the sign-in and setup pages. */
export function AuthCard({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <main className={styles.page}>
      <div className={styles.card}>
        <Logo />
        <h1 className={styles.title}>{title}</h1>
        {description && <p className={styles.description}>{description}</p>}
        <div className={styles.body}>{children}</div>
      </div>
      <p className={styles.footer}>ADE · Automatic Data Extractor</p>
    </main>
  );
}
