/**
 * A JSON schema of manifest.json (docs/reference/config-packages.md, "manifest.json"), so the
 * editor flags mistakes as the author types. The server stays the judge: a save validates too.
 */
const identifier = { type: 'string', pattern: '^[a-z][a-z0-9_]*$' };
const modulePath = { type: 'string', pattern: '\\.py$' };

export const MANIFEST_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'ADE config package manifest',
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'columns'],
  properties: {
    schema: { const: 'ade.manifest/v1', description: 'Always `ade.manifest/v1`.' },
    title: { type: 'string', description: 'Shown in summaries and the artifact.' },
    engine: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min_score: { type: 'number', minimum: 0, default: 0.5, description: 'A (column, field) pair scoring below this is never mapped.' },
        sample_size: { type: 'integer', minimum: 1, default: 200, description: 'Non-empty values per column given to detectors.' },
        header_scan_rows: { type: 'integer', minimum: 0, default: 50, description: 'How far above a block of data rows to look for its header.' },
        unmapped_columns: { enum: ['drop', 'append'], default: 'drop', description: '`append` writes unmapped source columns after the mapped ones.' },
        output_sheet: { type: 'string', default: 'Normalized', not: { const: 'Issues' }, description: 'Name of the output sheet (not `Issues`).' },
        include_source: { type: 'boolean', default: false, description: 'Add `source_sheet` and `source_row` columns.' },
        chunk_rows: { type: 'integer', minimum: 1, default: 10000, description: 'Rows per transform/validate/write chunk.' },
      },
    },
    columns: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['field', 'label', 'path', 'ordinal'],
        properties: {
          field: { ...identifier, description: 'Unique; `[a-z][a-z0-9_]*`.' },
          label: { type: 'string', minLength: 1, description: 'The output header.' },
          path: { ...modulePath, description: 'The column module, a `.py` file in the package.' },
          ordinal: { type: 'integer', minimum: 1, description: 'Unique; output columns are in ordinal order.' },
          required: { type: 'boolean', default: false, description: 'Unmapped in a table → an issue on that table.' },
          enabled: { type: 'boolean', default: true, description: '`false` keeps the field out of the run.' },
          synonyms: { type: 'array', items: { type: 'string' }, description: 'Headers the built-in matcher knows.' },
          description: { type: 'string' },
        },
      },
    },
    row_types: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'path'],
        properties: { name: identifier, path: modulePath },
      },
    },
    hooks: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        ['run_start', 'after_mapping', 'before_save', 'run_end'].map((stage) => [stage, { type: 'array', items: modulePath }]),
      ),
    },
  },
};
