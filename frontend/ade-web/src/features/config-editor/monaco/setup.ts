/**
 * Monaco, bundled with the app (never a CDN): the editor's features, four languages (python,
 * json, markdown, plaintext), its web workers built by Vite (`?worker`, served from 'self' as the
 * CSP's worker-src allows), the manifest's JSON schema, and completions and hover docs for the
 * config-package API. Imported only by the lazily loaded editor components.
 */
import * as monaco from 'monaco-editor/editor/editor.api';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import 'monaco-editor/languages/definitions/markdown/register';
import 'monaco-editor/languages/definitions/python/register';
import JsonWorker from 'monaco-editor/languages/features/json/json.worker?worker';
import { jsonDefaults } from 'monaco-editor/languages/features/json/register';

import './features';
import './theme';
import { MANIFEST_SCHEMA } from './manifestSchema';
import { PACKAGE_API, entryFor } from './packageApi';

self.MonacoEnvironment = {
  getWorker: (_id: string, label: string) => (label === 'json' ? new JsonWorker() : new EditorWorker()),
};

/** The model URI of a draft file: what markers, the schema and the diff editor attach to. */
export function fileUri(path: string, side = 'draft'): monaco.Uri {
  return monaco.Uri.from({ scheme: 'ade', authority: side, path: `/${path}` });
}

jsonDefaults.setDiagnosticsOptions({
  validate: true,
  allowComments: false,
  trailingCommas: 'error',
  enableSchemaRequest: false,
  schemas: [{ uri: 'ade://schemas/manifest.json', fileMatch: ['ade://draft/manifest.json'], schema: MANIFEST_SCHEMA }],
});

monaco.languages.registerCompletionItemProvider('python', {
  provideCompletionItems(model, position) {
    const word = model.getWordUntilPosition(position);
    const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
    return {
      suggestions: PACKAGE_API.map((entry) => ({
        label: entry.kind === 'function' ? (entry.name === 'detect_' ? 'detect_…' : entry.name) : entry.name,
        kind: entry.kind === 'function' ? monaco.languages.CompletionItemKind.Function : monaco.languages.CompletionItemKind.Variable,
        detail: entry.detail,
        documentation: { value: entry.docs },
        insertText: entry.snippet,
        insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet,
        range,
      })),
    };
  },
});

monaco.languages.registerHoverProvider('python', {
  provideHover(model, position) {
    const word = model.getWordAtPosition(position);
    const entry = word ? entryFor(word.word) : undefined;
    if (!word || !entry) return null;
    return {
      range: new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn),
      contents: [{ value: `\`${entry.detail}\`` }, { value: entry.docs }],
    };
  },
});

export { monaco };
