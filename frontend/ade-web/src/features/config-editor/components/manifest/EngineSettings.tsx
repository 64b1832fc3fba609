import { Field, Input } from '@/components/Field';
import { Select } from '@/components/Select';

import { ENGINE_DEFAULTS, type EngineForm, type NumberSetting } from './manifestForm';
import styles from './ManifestView.module.css';

const NUMBERS: { key: NumberSetting; label: string; hint: string }[] = [
  { key: 'min_score', label: 'Minimum score', hint: 'A column and field pair scoring below this stays unmapped.' },
  { key: 'sample_size', label: 'Sample size', hint: 'Non-empty values per column given to detectors.' },
  { key: 'header_scan_rows', label: 'Header scan rows', hint: 'How far above the data to look for its header.' },
  { key: 'chunk_rows', label: 'Chunk rows', hint: 'Rows per transform, validate and write chunk.' },
];

export interface EngineSettingsProps {
  engine: EngineForm;
  readOnly: boolean;
  /** Messages by JSON pointer (`/engine/min_score`). */
  problems: Record<string, string[]>;
  onChange: (engine: EngineForm) => void;
}

/** Every engine setting of the manifest; a blank one uses the engine's default (shown as placeholder). */
export function EngineSettings({ engine, readOnly, problems, onChange }: EngineSettingsProps) {
  const at = (key: string) => problems[`/engine/${key}`] ?? [];
  return (
    <div className={styles.settings}>
      {NUMBERS.map(({ key, label, hint }) => (
        <Field key={key} label={label} hint={hint} errors={at(key)}>
          {(control) => (
            <Input
              {...control}
              inputMode="decimal"
              value={engine.numbers[key]}
              placeholder={String(ENGINE_DEFAULTS[key])}
              readOnly={readOnly}
              onChange={(event) => onChange({ ...engine, numbers: { ...engine.numbers, [key]: event.target.value } })}
            />
          )}
        </Field>
      ))}
      <Field label="Unmapped columns" hint="Append writes source columns no field took after the mapped ones." errors={at('unmapped_columns')}>
        {(control) => (
          <Select
            {...control}
            className={styles.wideSelect}
            value={engine.unmapped_columns}
            disabled={readOnly}
            options={[
              { value: '', label: `Default (${ENGINE_DEFAULTS.unmapped_columns})` },
              { value: 'drop', label: 'Drop' },
              { value: 'append', label: 'Append' },
            ]}
            onChange={(event) => onChange({ ...engine, unmapped_columns: event.target.value })}
          />
        )}
      </Field>
      <Field
        label="Incomplete tables"
        hint="A table that leaves a required field unmapped: skip it (recorded in the run's explanation), write it anyway, or fail the run."
        errors={at('incomplete_tables')}
      >
        {(control) => (
          <Select
            {...control}
            className={styles.wideSelect}
            value={engine.incomplete_tables}
            disabled={readOnly}
            options={[
              { value: '', label: `Default (${ENGINE_DEFAULTS.incomplete_tables})` },
              { value: 'skip', label: 'Skip' },
              { value: 'write', label: 'Write' },
              { value: 'fail', label: 'Fail the run' },
            ]}
            onChange={(event) => onChange({ ...engine, incomplete_tables: event.target.value })}
          />
        )}
      </Field>
      <Field label="Output sheet" hint="The normalized sheet's name (not “Issues”)." errors={at('output_sheet')}>
        {(control) => (
          <Input
            {...control}
            value={engine.output_sheet}
            placeholder={ENGINE_DEFAULTS.output_sheet}
            readOnly={readOnly}
            onChange={(event) => onChange({ ...engine, output_sheet: event.target.value })}
          />
        )}
      </Field>
      <label className={styles.checkField}>
        <input
          type="checkbox"
          className={styles.checkbox}
          checked={engine.include_source}
          disabled={readOnly}
          aria-invalid={at('include_source').length > 0 || undefined}
          onChange={(event) => onChange({ ...engine, include_source: event.target.checked })}
        />
        <span>
          Include source
          <span className={styles.checkHint}>Add source_sheet and source_row columns to the output.</span>
          {at('include_source').length > 0 && <span className={styles.message}>{at('include_source').join(' ')}</span>}
        </span>
      </label>
    </div>
  );
}
