import type { components } from '@/api/generated/schema';

export type WorkspaceRole = components['schemas']['WorkspaceRole'];

/**
 * What a workspace role may do, to leave out or disable controls the user cannot use (the API
 * enforces the same rules; see backend/ade-api/src/ade_api/workspaces/service.py):
 * viewers read, editors also upload, run and edit configs, owners also manage the workspace and
 * its members. Use with the current workspace: `permissions(useCurrentWorkspace().role).edit`.
 */
export function permissions(role: WorkspaceRole | undefined) {
  return {
    /** Upload and delete documents, run and cancel jobs, edit configs. */
    edit: role === 'owner' || role === 'editor',
    /** Rename or delete the workspace; add, change and remove members; archive configs. */
    manage: role === 'owner',
  };
}
