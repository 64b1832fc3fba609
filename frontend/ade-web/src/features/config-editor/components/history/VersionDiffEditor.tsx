/** One file's two texts side by side in Monaco's diff editor (lazily loaded: default export). */
import { useEffect, useRef, useState } from 'react';

import type { FileChange } from '../../api/history';
import { fileUri, monaco } from '../../monaco/setup';
import { languageOf } from '../../state/fileTree';
import styles from './History.module.css';

let instances = 0;

export default function VersionDiffEditor({ change }: { change: FileChange }) {
  const host = useRef<HTMLDivElement>(null);
  // Models are global to Monaco: each diff editor names its own, so two never collide.
  const [id] = useState(() => (instances += 1));
  useEffect(() => {
    if (!host.current) return;
    const language = languageOf(change.path);
    const original = monaco.editor.createModel(change.old_text ?? '', language, fileUri(change.path, `old-${id}`));
    const modified = monaco.editor.createModel(change.new_text ?? '', language, fileUri(change.path, `new-${id}`));
    const diff = monaco.editor.createDiffEditor(host.current, {
      automaticLayout: true,
      readOnly: true,
      originalEditable: false,
      renderSideBySide: true,
      renderSideBySideInlineBreakpoint: 600, // side by side in the history; inline in a dialog
      // Long unchanged stretches fold away: a version diff is read for its changes.
      hideUnchangedRegions: { enabled: true },
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 13,
    });
    diff.setModel({ original, modified });
    // Each side is a text field to screen readers: name both (the diff options' labels do not reach them).
    diff.getOriginalEditor().updateOptions({ ariaLabel: `${change.path}, before` });
    diff.getModifiedEditor().updateOptions({ ariaLabel: `${change.path}, after` });
    return () => {
      diff.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [change, id]);
  return <div ref={host} className={styles.monaco} data-testid="version-diff" />;
}
