import { Plus, X } from 'lucide-react';
import { useState, type SyntheticEvent } from 'react';

import { Button } from '@/components/Button';
import { Input } from '@/components/Field';

import { HOOK_STAGES, type HookStage, type ManifestForm } from './manifestForm';
import { Messages, messageId } from './Messages';
import styles from './ManifestView.module.css';

const STAGE_HINTS: Record<HookStage, string> = {
  run_start: 'Before the workbook is read.',
  after_mapping: 'After each table is mapped, before transforms.',
  before_save: 'Before the output workbook is written.',
  run_end: 'After the run, whatever its outcome.',
};

export interface HooksEditorProps {
  hooks: ManifestForm['hooks'];
  /** The draft's modules under hooks/, offered when adding one. */
  modules: string[];
  readOnly: boolean;
  /** Messages by JSON pointer (`/hooks/run_start/0`, `/hooks/run_start`, `/hooks`). */
  problems: Record<string, string[]>;
  onChange: (hooks: ManifestForm['hooks']) => void;
}

/** The hook modules of each stage, called in list order; add or remove a module path. */
export function HooksEditor({ hooks, modules, readOnly, problems, onChange }: HooksEditorProps) {
  return (
    <div className={styles.stages}>
      <datalist id="manifest-hook-modules">
        {modules.map((path) => (
          <option key={path} value={path} />
        ))}
      </datalist>
      {HOOK_STAGES.map((stage) => (
        <Stage
          key={stage}
          stage={stage}
          entries={hooks[stage]}
          readOnly={readOnly}
          problems={problems}
          onChange={(entries) => onChange({ ...hooks, [stage]: entries })}
        />
      ))}
    </div>
  );
}

function Stage({
  stage,
  entries,
  readOnly,
  problems,
  onChange,
}: {
  stage: HookStage;
  entries: string[];
  readOnly: boolean;
  problems: Record<string, string[]>;
  onChange: (entries: string[]) => void;
}) {
  const [adding, setAdding] = useState('');
  const headingId = `manifest-stage-${stage}`;

  function add(event: SyntheticEvent) {
    event.preventDefault();
    const path = adding.trim();
    if (path === '' || entries.includes(path)) return;
    onChange([...entries, path]);
    setAdding('');
  }

  return (
    <section className={styles.stage} aria-labelledby={headingId}>
      <h4 id={headingId} className={styles.stageTitle}>
        <code>{stage}</code> <span className={styles.checkHint}>{STAGE_HINTS[stage]}</span>
      </h4>
      <Messages id={messageId(stage, 'stage')} messages={problems[`/hooks/${stage}`] ?? []} />
      {entries.length === 0 ? (
        <p className={styles.none}>No hooks.</p>
      ) : (
        <ul className={styles.hookList}>
          {entries.map((path, j) => (
            <li key={path} className={styles.hook}>
              <code>{path}</code>
              {!readOnly && (
                <button
                  type="button"
                  className={styles.iconButton}
                  aria-label={`Remove ${path} from ${stage}`}
                  onClick={() => onChange(entries.filter((p) => p !== path))}
                >
                  <X size={14} aria-hidden />
                </button>
              )}
              <Messages id={messageId(`${stage}-${j}`, 'hook')} messages={problems[`/hooks/${stage}/${j}`] ?? []} />
            </li>
          ))}
        </ul>
      )}
      {!readOnly && (
        // Not a <form>: the manifest form around it submits on Enter.
        <div className={styles.addHook} onKeyDown={(event) => event.key === 'Enter' && add(event)}>
          <Input
            aria-label={`Hook module for ${stage}`}
            placeholder="hooks/module.py"
            list="manifest-hook-modules"
            value={adding}
            spellCheck={false}
            onChange={(event) => setAdding(event.target.value)}
          />
          <Button size="sm" onClick={add} disabled={adding.trim() === ''}>
            <Plus size={14} aria-hidden /> Add
          </Button>
        </div>
      )}
    </section>
  );
}
