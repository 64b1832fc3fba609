import { X } from 'lucide-react';

import { displayName } from '../state/fileTree';
import styles from './ConfigEditor.module.css';

/** The open files; the active one is shown in the editor. A dot marks unsaved changes. */
export function EditorTabs({
  tabs,
  active,
  dirty,
  onActivate,
  onClose,
}: {
  tabs: string[];
  active: string | null;
  dirty: string[];
  onActivate: (path: string) => void;
  onClose: (path: string) => void;
}) {
  return (
    <ul className={styles.tabs} aria-label="Open files">
      {tabs.map((path) => {
        const selected = path === active;
        const unsaved = dirty.includes(path);
        return (
          <li key={path} className={styles.tab} data-active={selected || undefined}>
            <button
              type="button"
              aria-current={selected ? 'true' : undefined}
              className={styles.tabButton}
              onClick={() => onActivate(path)}
              title={path}
            >
              {displayName(path)}
              {unsaved && <span className={styles.dirtyDot} aria-label="unsaved changes" role="img" />}
            </button>
            <button type="button" className={styles.iconButton} onClick={() => onClose(path)} aria-label={`Close ${path}`}>
              <X size={12} aria-hidden />
            </button>
          </li>
        );
      })}
    </ul>
  );
}
