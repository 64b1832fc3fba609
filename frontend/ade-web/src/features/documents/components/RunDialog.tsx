import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { Button } from '@/components/Button';
import { Dialog } from '@/components/Dialog';
import { Field } from '@/components/Field';
import { ProblemMessage } from '@/components/ProblemMessage';
import { Select } from '@/components/Select';

import { runConfigsQuery, runVersionsQuery, type JobSubmit } from '../api/run';

export interface RunDialogProps {
  workspaceId: string;
  documentId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onRun: (body: JobSubmit) => void;
  pending: boolean;
  error: unknown;
}

const PUBLISHED = '';

/** Run with a chosen config and version, and `force` to run again despite an earlier result. */
export function RunDialog({ workspaceId, documentId, open, onOpenChange, onRun, pending, error }: RunDialogProps) {
  const configs = useQuery({ ...runConfigsQuery(workspaceId), enabled: open });
  const [picked, setPicked] = useState<string | null>(null);
  const [version, setVersion] = useState(PUBLISHED);
  const [force, setForce] = useState(false);
  const list = configs.data ?? [];
  const configId = picked ?? list.find((c) => c.active)?.id ?? list[0]?.id ?? '';
  const config = list.find((c) => c.id === configId);
  const versions = useQuery({ ...runVersionsQuery(workspaceId, configId), enabled: open && configId !== '' });
  const versionId = version === PUBLISHED ? config?.published_version_id ?? null : version;
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="Run with…"
      description="Choose the config and version to run this document with."
      footer={
        <>
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button
            variant="primary"
            loading={pending}
            disabled={versionId === null}
            onClick={() => onRun({ document_id: documentId, config_version_id: versionId, force, flags: {} })}
          >
            Run
          </Button>
        </>
      }
    >
      <Field label="Config">
        {(control) => (
          <Select
            {...control}
            value={configId}
            onChange={(e) => {
              setPicked(e.target.value);
              setVersion(PUBLISHED);
            }}
            options={list.map((c) => ({ value: c.id, label: `${c.title}${c.active ? ' (active)' : ''}` }))}
            disabled={configs.isPending}
          />
        )}
      </Field>
      <Field
        label="Version"
        hint={config?.published_version_id === null ? 'This config has no published version yet.' : undefined}
      >
        {(control) => (
          <Select
            {...control}
            value={version}
            onChange={(e) => setVersion(e.target.value)}
            options={[
              { value: PUBLISHED, label: config?.published_semver ? `Published (${config.published_semver})` : 'Published' },
              ...(versions.data ?? []).map((v) => ({
                value: v.version_id,
                label: `${v.semver ?? v.version_id.slice(-8)}${v.status === 'deprecated' ? ' (deprecated)' : ''}`,
              })),
            ]}
          />
        )}
      </Field>
      <label style={{ display: 'flex', gap: 8, alignItems: 'center', marginTop: 4 }}>
        <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
        Run again even if this exact run already succeeded (force)
      </label>
      {(configs.error ?? error) ? <ProblemMessage error={configs.error ?? error} /> : null}
    </Dialog>
  );
}
