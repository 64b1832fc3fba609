import { Loader2 } from 'lucide-react';

import styles from './Spinner.module.css';

/** A small spinning indicator; decorative unless given a label. */
export function Spinner({ size = 16, label }: { size?: number; label?: string }) {
  return (
    <Loader2
      className={styles.spinner}
      size={size}
      aria-hidden={label === undefined}
      aria-label={label}
      role={label === undefined ? undefined : 'img'}
    />
  );
}
