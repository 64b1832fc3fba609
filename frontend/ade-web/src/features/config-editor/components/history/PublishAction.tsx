import { useQuery } from '@tanstack/react-query';
import { Tag } from 'lucide-react';
import { useId, useState } from 'react';

import { Button } from '@/components/Button';
import { Tooltip } from '@/components/Tooltip';

import { editorConfigQuery } from '../../api/drafts';
import { PublishDialog } from './PublishDialog';

export interface PublishActionProps {
  workspaceId: string;
  configId: string;
  /** Unsaved files block publishing: what is published is what the server has. */
  unsaved: boolean;
}

/** Why publishing is not possible now, or null. */
function blockedBecause(unsaved: boolean, archived: boolean | undefined): string | null {
  if (archived) return 'An archived config is read-only: unarchive it to publish.';
  if (unsaved) return 'Save your changes first: what is published is what the server has.';
  return null;
}

/** The Publish button and dialog {semver, message}, with the diff against the published version. */
export function PublishAction({ workspaceId, configId, unsaved }: PublishActionProps) {
  const [open, setOpen] = useState(false);
  const config = useQuery(editorConfigQuery(workspaceId, configId));
  const reasonId = useId();
  const reason = blockedBecause(unsaved, config.data?.archived);
  const button = (
    <Button disabled={reason !== null || !config.data} aria-describedby={reason ? reasonId : undefined} onClick={() => setOpen(true)}>
      <Tag size={14} aria-hidden /> Publish
    </Button>
  );
  return (
    <>
      {reason ? (
        <Tooltip content={reason}>
          {/* A disabled button takes no hover or focus: its wrapper shows why. */}
          <span tabIndex={0}>
            {button}
            <span id={reasonId} className="visually-hidden">
              {reason}
            </span>
          </span>
        </Tooltip>
      ) : (
        button
      )}
      {open && config.data && (
        <PublishDialog
          workspaceId={workspaceId}
          configId={configId}
          published={
            config.data.published_version_id
              ? { versionId: config.data.published_version_id, semver: config.data.published_semver }
              : null
          }
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
