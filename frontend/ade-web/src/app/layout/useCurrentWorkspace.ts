import { useOutletContext } from 'react-router';

import type { Workspace } from '@/features/workspaces/api/workspaces';

export interface WorkspaceContext {
  workspace: Workspace;
}

/** The workspace of the current `/w/:workspaceId` route (loaded by WorkspaceLayout). */
export function useCurrentWorkspace(): Workspace {
  return useOutletContext<WorkspaceContext>().workspace;
}
