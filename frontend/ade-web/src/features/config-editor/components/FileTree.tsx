import { FilePlus, Pencil, Plus, Trash2 } from 'lucide-react';

import { Button } from '@/components/Button';

import { displayName, groupFiles } from '../state/fileTree';
import styles from './ConfigEditor.module.css';

export interface FileTreeProps {
  paths: string[];
  active: string | null;
  /** Paths with unsaved changes. */
  dirty: string[];
  canEdit: boolean;
  onOpen: (path: string) => void;
  onCreate: () => void;
  /** Opens the Add Column wizard (a column file and its manifest entry in one step). */
  onAddColumn: () => void;
  onRename: (path: string) => void;
  onDelete: (path: string) => void;
}

/** The draft's files by group (Startup, Columns, Row types, Hooks, Samples, Other). */
export function FileTree({ paths, active, dirty, canEdit, onOpen, onCreate, onAddColumn, onRename, onDelete }: FileTreeProps) {
  return (
    <nav className={styles.tree} aria-label="Files">
      <div className={styles.treeHeader}>
        <span>Files</span>
        {canEdit && (
          <Button variant="ghost" size="sm" onClick={onCreate} aria-label="New file">
            <FilePlus size={14} aria-hidden />
          </Button>
        )}
      </div>
      {groupFiles(paths)
        .filter((group) => group.paths.length > 0 || (canEdit && group.id === 'columns'))
        .map((group) => (
          <section key={group.id} aria-labelledby={`tree-${group.id}`}>
            <h2 id={`tree-${group.id}`} className={styles.groupTitle}>
              {group.label}
            </h2>
            <ul className={styles.fileList}>
              {group.paths.map((path) => {
                const unsaved = dirty.includes(path);
                return (
                  <li key={path} className={styles.fileRow} data-active={path === active || undefined}>
                    <button
                      type="button"
                      className={styles.fileButton}
                      onClick={() => onOpen(path)}
                      aria-current={path === active ? 'page' : undefined}
                      title={path}
                    >
                      <span className={styles.fileName}>{displayName(path)}</span>
                      {unsaved && (
                        <span className={styles.dirtyDot} aria-label="unsaved changes" role="img" />
                      )}
                    </button>
                    {canEdit && path !== 'manifest.json' && (
                      <span className={styles.fileActions}>
                        <button type="button" className={styles.iconButton} onClick={() => onRename(path)} aria-label={`Rename ${path}`}>
                          <Pencil size={12} aria-hidden />
                        </button>
                        <button type="button" className={styles.iconButton} onClick={() => onDelete(path)} aria-label={`Delete ${path}`}>
                          <Trash2 size={12} aria-hidden />
                        </button>
                      </span>
                    )}
                  </li>
                );
              })}
            </ul>
            {canEdit && group.id === 'columns' && (
              <button type="button" className={styles.addColumn} onClick={onAddColumn}>
                <Plus size={12} aria-hidden /> Add column
              </button>
            )}
          </section>
        ))}
    </nav>
  );
}
