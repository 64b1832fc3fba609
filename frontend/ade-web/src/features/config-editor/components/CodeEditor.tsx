/**
 * The Monaco editor of the open file (loaded lazily: default export). One editor, one model per
 * file (so each keeps its undo history), plan problems as markers, Ctrl/Cmd+S saves.
 */
import { useEffect, useRef } from 'react';

import type { PlanProblem } from '../api/drafts';
import { fileUri, monaco } from '../monaco/setup';
import { languageOf } from '../state/fileTree';
import styles from './ConfigEditor.module.css';

export interface Reveal {
  path: string;
  line: number;
  /** Changes on every request, so jumping twice to the same line works. */
  seq: number;
}

export interface CodeEditorProps {
  path: string;
  text: string;
  /** The file's revision (editorState): a newer one replaces the model's text. */
  revision: number;
  readOnly: boolean;
  problems: PlanProblem[];
  reveal: Reveal | null;
  onChange: (path: string, text: string) => void;
  onSave: () => void;
}

function modelFor(path: string, text: string): monaco.editor.ITextModel {
  const uri = fileUri(path);
  return monaco.editor.getModel(uri) ?? monaco.editor.createModel(text, languageOf(path), uri);
}

/** The plan's problems as markers of the models that exist (manifest paths on its line 1). */
function applyMarkers(problems: PlanProblem[]) {
  for (const model of monaco.editor.getModels()) {
    if (model.uri.authority !== 'draft') continue;
    const path = model.uri.path.slice(1);
    const markers = problems
      .filter((p) => (p.file ?? (p.path ? 'manifest.json' : null)) === path)
      .map((p) => {
        const line = Math.min(Math.max(p.line ?? 1, 1), model.getLineCount());
        return {
          severity: monaco.MarkerSeverity.Error,
          message: p.path ? `${p.path}: ${p.message}` : p.message,
          source: 'plan',
          startLineNumber: line,
          startColumn: model.getLineFirstNonWhitespaceColumn(line) || 1,
          endLineNumber: line,
          endColumn: model.getLineMaxColumn(line),
        };
      });
    monaco.editor.setModelMarkers(model, 'ade-plan', markers);
  }
}

export default function CodeEditor({ path, text, revision, readOnly, problems, reveal, onChange, onSave }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const handlers = useRef({ onChange, onSave });
  // The revision of each file the model holds: `text` is applied only when it is newer (taken
  // from the server); otherwise it is React catching up with typing, and applying it would
  // drop the keystrokes typed since.
  const applied = useRef(new Map<string, number>());
  useEffect(() => {
    handlers.current = { onChange, onSave };
  });

  useEffect(() => {
    if (!host.current) return;
    const created = monaco.editor.create(host.current, {
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      scrollBeyondLastLine: false,
      tabSize: 4,
      renderWhitespace: 'selection',
      ariaLabel: 'File contents',
    });
    created.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => handlers.current.onSave());
    const typing = created.onDidChangeModelContent(() => {
      const model = created.getModel();
      if (model) handlers.current.onChange(model.uri.path.slice(1), model.getValue());
    });
    editor.current = created;
    return () => {
      typing.dispose();
      created.dispose();
      for (const model of monaco.editor.getModels()) if (model.uri.authority === 'draft') model.dispose();
      editor.current = null;
    };
  }, []);

  // Switch to the file's model; take the text when it changed outside (e.g. "take theirs").
  useEffect(() => {
    const current = editor.current;
    if (!current) return;
    const model = modelFor(path, text);
    if (current.getModel() !== model) current.setModel(model);
    if ((applied.current.get(path) ?? 0) < revision) {
      applied.current.set(path, revision);
      if (model.getValue() !== text) model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
    }
    current.updateOptions({ readOnly, domReadOnly: readOnly });
    applyMarkers(problems);
  }, [path, text, revision, readOnly, problems]);

  useEffect(() => {
    const current = editor.current;
    if (!current || reveal?.path !== path) return;
    current.revealLineInCenter(reveal.line);
    current.setPosition({ lineNumber: reveal.line, column: 1 });
    current.focus();
  }, [reveal, path]);

  return <div ref={host} className={styles.monaco} data-testid="code-editor" />;
}
