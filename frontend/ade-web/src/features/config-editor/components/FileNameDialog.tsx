import { useState, type SyntheticEvent } from 'react';

import { Button } from '@/components/Button';
import { Dialog } from '@/components/Dialog';
import { Field, Input } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';

import { pathProblem } from '../state/fileTree';

/** Ask for a file path (new file or rename); checked here first, then by the server. */
export function FileNameDialog({
  title,
  submitLabel,
  initial,
  existing,
  onSubmit,
  onClose,
}: {
  title: string;
  submitLabel: string;
  initial: string;
  existing: string[];
  onSubmit: (path: string) => Promise<void>;
  onClose: () => void;
}) {
  const [path, setPath] = useState(initial);
  const [touched, setTouched] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const problem = pathProblem(path.trim(), existing);

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    setPending(true);
    setError(null);
    try {
      await onSubmit(path.trim());
      onClose();
    } catch (caught) {
      setError(caught);
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={title}
      description="A new column under columns/ is scaffolded and joins the manifest."
    >
      <form onSubmit={(event) => void submit(event)}>
        <Field label="Path" hint="e.g. columns/phone.py, hooks/after_mapping.py, NOTES.md" errors={touched && problem ? [problem] : []}>
          {(control) => (
            <Input {...control} value={path} onChange={(event) => setPath(event.target.value)} autoFocus spellCheck={false} />
          )}
        </Field>
        {error !== null && <ProblemMessage error={error} />}
        <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8, marginTop: 16 }}>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" loading={pending}>
            {submitLabel}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
