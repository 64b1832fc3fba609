import styles from './Logo.module.css';

/** The product mark and name. */
export function Logo({ compact = false }: { compact?: boolean }) {
  return (
    <span className={styles.logo}>
      <svg className={styles.mark} viewBox="0 0 32 32" aria-hidden>
        <rect width="32" height="32" rx="8" fill="currentColor" />
        <path d="M9 22 16 9l7 13h-4l-3-6-3 6z" fill="#fff" />
      </svg>
      {!compact && <span className={styles.name}>ADE</span>}
    </span>
  );
}
