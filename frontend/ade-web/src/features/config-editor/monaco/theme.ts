/**
 * The editors' theme: Monaco's light one, with what reads below WCAG AA contrast on a diff's
 * tinted lines made to pass (the browser tests run axe-core over the diff editor): lighter
 * added/removed backgrounds, darker comments, numbers and types, a readable dimmed line number.
 */
import * as monaco from 'monaco-editor/editor/editor.api';

export const THEME = 'ade-light';

monaco.editor.defineTheme(THEME, {
  base: 'vs',
  inherit: true,
  rules: [
    { token: 'comment', foreground: '007000' },
    { token: 'number', foreground: '07704a' },
    { token: 'type', foreground: '1f6b80' },
  ],
  colors: {
    // The final line's number (after a last newline), dimmed by default below 4.5:1.
    'editorLineNumber.dimmedForeground': '#5f6673',
    // Translucent, as Monaco requires, over white: about 8% for a line, 10% more for its changed text.
    'diffEditor.insertedLineBackground': '#2ea04314',
    'diffEditor.insertedTextBackground': '#2ea0431a',
    'diffEditor.removedLineBackground': '#cf222e14',
    'diffEditor.removedTextBackground': '#cf222e1a',
    'diffEditorGutter.insertedLineBackground': '#2ea04314',
    'diffEditorGutter.removedLineBackground': '#cf222e14',
  },
});
monaco.editor.setTheme(THEME);
