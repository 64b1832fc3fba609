/** Your text against the server's newer one, side by side (lazily loaded: default export). */
import { useEffect, useRef } from 'react';

import { fileUri, monaco } from '../monaco/setup';
import { languageOf } from '../state/fileTree';
import styles from './ConfigEditor.module.css';

export default function ConflictDiff({ path, theirs, mine }: { path: string; theirs: string; mine: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const original = monaco.editor.createModel(theirs, languageOf(path), fileUri(path, 'theirs'));
    const modified = monaco.editor.createModel(mine, languageOf(path), fileUri(path, 'mine'));
    const diff = monaco.editor.createDiffEditor(host.current, {
      automaticLayout: true,
      readOnly: true,
      originalEditable: false,
      renderSideBySide: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 13,
    });
    diff.setModel({ original, modified });
    return () => {
      diff.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [path, theirs, mine]);
  return <div ref={host} className={styles.diff} data-testid="conflict-diff" />;
}
