/**
 * Two texts of one file in Monaco's diff editor: side by side when there is room, inline in a
 * narrow place, long unchanged stretches folded (a diff is read for its changes). Used by the
 * conflict view and the history; both load it lazily with Monaco.
 */
import { useEffect, useRef, useState } from 'react';

import { fileUri, monaco } from '../monaco/setup';
import { languageOf } from '../state/fileTree';

let instances = 0;

export interface TextDiffProps {
  path: string;
  before: string;
  after: string;
  /** What each side is, for screen readers (each side is a text field to them). */
  labels: { before: string; after: string };
  className: string | undefined;
  testId: string;
}

export function TextDiff({ path, before, after, labels, className, testId }: TextDiffProps) {
  const host = useRef<HTMLDivElement>(null);
  // Models are global to Monaco: each diff editor names its own, so two never collide.
  const [id] = useState(() => (instances += 1));
  useEffect(() => {
    if (!host.current) return;
    const language = languageOf(path);
    const original = monaco.editor.createModel(before, language, fileUri(path, `before-${id}`));
    const modified = monaco.editor.createModel(after, language, fileUri(path, `after-${id}`));
    const diff = monaco.editor.createDiffEditor(host.current, {
      automaticLayout: true,
      readOnly: true,
      originalEditable: false,
      renderSideBySide: true,
      renderSideBySideInlineBreakpoint: 600,
      hideUnchangedRegions: { enabled: true },
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 13,
    });
    diff.setModel({ original, modified });
    diff.getOriginalEditor().updateOptions({ ariaLabel: labels.before });
    diff.getModifiedEditor().updateOptions({ ariaLabel: labels.after });
    return () => {
      diff.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [path, before, after, labels.before, labels.after, id]);
  return <div ref={host} className={className} data-testid={testId} />;
}
