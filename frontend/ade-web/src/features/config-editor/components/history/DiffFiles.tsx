import { Badge, type Tone } from '@/components/Badge';

import type { FileChange } from '../../api/history';
import styles from './History.module.css';

const TONES: Record<FileChange['change'], Tone> = { added: 'success', removed: 'danger', changed: 'info' };

/** "added", "removed" or "changed", coloured. */
export function ChangeBadge({ change }: { change: FileChange['change'] }) {
  return <Badge tone={TONES[change]}>{change}</Badge>;
}

/** The files of a diff as buttons choosing the one the diff editor shows. */
export function DiffFileList({
  files,
  selected,
  onSelect,
}: {
  files: FileChange[];
  selected: string | undefined;
  onSelect: (path: string) => void;
}) {
  return (
    <ul className={styles.files} aria-label="Changed files">
      {files.map((file) => (
        <li key={file.path}>
          <button
            type="button"
            className={styles.fileButton}
            aria-current={file.path === selected ? 'true' : undefined}
            onClick={() => onSelect(file.path)}
          >
            <span className={styles.path} title={file.path}>
              {file.path}
            </span>
            <ChangeBadge change={file.change} />
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The files of a diff as a plain list (e.g. in a confirmation). */
export function ChangeList({ files, label }: { files: FileChange[]; label: string }) {
  return (
    <ul className={styles.changeList} aria-label={label}>
      {files.map((file) => (
        <li key={file.path} className={styles.changeItem}>
          <span className={styles.path}>{file.path}</span>
          <ChangeBadge change={file.change} />
        </li>
      ))}
    </ul>
  );
}
