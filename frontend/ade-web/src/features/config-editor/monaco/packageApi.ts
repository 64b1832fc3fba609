/**
 * The config-package API as completions and hover docs (docs/reference/config-packages.md):
 * the callables a package defines and the keyword arguments the engine passes them.
 */

export interface ApiEntry {
  /** The name as typed (`detect_`, `transform`, `header`...). */
  name: string;
  kind: 'function' | 'argument';
  /** Inserted by a completion (Monaco snippet syntax). */
  snippet: string;
  /** One line: the signature or the argument's type. */
  detail: string;
  /** Markdown shown in the hover and the completion's docs. */
  docs: string;
}

const COLUMN_ARGS = 'values, field, state, logger, **_';

export const PACKAGE_API: ApiEntry[] = [
  {
    name: 'detect_',
    kind: 'function',
    snippet: 'def detect_${1:name}(*, header, values, column_index, field, state, logger, **_):\n\t${2:return None}',
    detail: 'def detect_*(*, header, values, column_index, field, state, logger, **_)',
    docs: 'A **detector** of a column module: every callable whose name starts with `detect_` runs once per source column. Return a float (added to this column’s score for the field), a dict `{field: float}`, or `None` to abstain.',
  },
  {
    name: 'transform',
    kind: 'function',
    snippet: `def transform(*, ${COLUMN_ARGS}):\n\t\${1:return values}`,
    detail: `def transform(*, ${COLUMN_ARGS})`,
    docs: 'Optional, column-wise: called once per mapped column per chunk of `chunk_rows` rows. Return a list of the same length as `values` (empty cells are `None`).',
  },
  {
    name: 'validate',
    kind: 'function',
    snippet: `def validate(*, ${COLUMN_ARGS}):\n\t\${1:return [None for _ in values]}`,
    detail: `def validate(*, ${COLUMN_ARGS})`,
    docs: 'Optional: receives the transformed values; return a list of the same length holding `None` (valid) or a message string, each becoming a row of the `Issues` sheet.',
  },
  {
    name: 'classify',
    kind: 'function',
    snippet: 'def classify(*, values, row_index, state, logger, **_):\n\t${1:return None}',
    detail: 'def classify(*, values, row_index, state, logger, **_)',
    docs: 'A **row type** module’s classifier: return a score for this row type, a dict `{type: score}`, or `None`. `values` are the row’s cells (`None` for empty).',
  },
  {
    name: 'run',
    kind: 'function',
    snippet: 'def run(*, stage, state, manifest, artifact, table=None, logger, **_):\n\t${1:return None}',
    detail: 'def run(*, stage, state, manifest, artifact, table=None, logger, **_)',
    docs: 'A **hook** (stages `run_start`, `after_mapping`, `before_save`, `run_end`). At `after_mapping`, change `table["mapping"]` in place or return a new `{field: letter or None}` dict; other stages’ return values are ignored.',
  },
];

const ARGUMENTS: [string, string, string][] = [
  ['header', 'str', 'The column’s header cell text, whitespace collapsed (`""` when empty or headerless).'],
  ['values', 'list', 'Detectors: up to `sample_size` non-empty values as read. transform/validate: the column’s values in row order, `None` for empty cells.'],
  ['column_index', 'int', 'The source column, 0-based (A = 0).'],
  ['field', 'str', 'The field whose module this is.'],
  ['state', 'dict', 'One dict shared by every callable and hook of a run.'],
  ['logger', 'Logger', 'Writes `log` events: `logger.debug/info/warning/error(message, *args, **data)`, tagged with the calling file.'],
  ['header_group', 'str', 'Engine extension: the stacked-header label over this column (`""` if none).'],
  ['header_full', 'str', 'Engine extension: group label + header (`"Contact Email"`).'],
  ['column_letter', 'str', 'Engine extension: the column’s letter.'],
  ['sheet_name', 'str', 'Engine extension: the sheet’s name.'],
  ['table', 'dict', 'The table: `{"sheet", "range", "number", ...}`; for hooks at `after_mapping`, its columns, scores and mapping.'],
  ['chunk_index', 'int', 'transform/validate: 0, 1, ... per chunk of `chunk_rows` rows.'],
  ['row_numbers', 'list[int]', 'transform/validate: the 1-based source rows of `values`.'],
  ['row_index', 'int', 'classify: the 0-based sheet row (also `row_number`, 1-based, and `sheet_name`).'],
  ['stage', 'str', 'Hooks: `run_start`, `after_mapping`, `before_save` or `run_end`.'],
  ['manifest', 'dict', 'Hooks: the manifest as a dict.'],
  ['artifact', 'dict', 'Hooks: the artifact being built; keys a hook adds are written.'],
];

for (const [name, type, docs] of ARGUMENTS) {
  PACKAGE_API.push({ name, kind: 'argument', snippet: name, detail: `${name}: ${type}`, docs });
}

/** The entry documenting a word under the cursor (`detect_email` → the detector entry). */
export function entryFor(word: string): ApiEntry | undefined {
  if (word.startsWith('detect_')) return PACKAGE_API[0];
  return PACKAGE_API.find((entry) => entry.name === word);
}
