/**
 * The editor's session: open files (the reducer in state/editorState.ts), saving with If-Match,
 * a 412 turned into a conflict with the server's text, file create/rename/delete, and the plan
 * refreshed after each change. Errors other than a conflict are handed to `onError`.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useReducer, useRef, useState } from 'react';

import { ApiError } from '@/api/errors';

import {
  createDraftFile,
  deleteDraftFile,
  draftFileQuery,
  editorKeys,
  saveDraftFile,
} from '../api/drafts';
import { activeFile, dirtyPaths, editorReducer, initialEditorState } from '../state/editorState';

export function useConfigEditor(workspaceId: string, configId: string, onError: (error: unknown) => void) {
  const queryClient = useQueryClient();
  const [state, dispatch] = useReducer(editorReducer, initialEditorState);
  const [saving, setSaving] = useState<string | null>(null);
  const stateRef = useRef(state);
  stateRef.current = state;

  const readFile = useCallback(
    (path: string) => queryClient.query(draftFileQuery(workspaceId, configId, path)),
    [queryClient, workspaceId, configId],
  );

  const changed = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: editorKeys.files(workspaceId, configId) });
    void queryClient.invalidateQueries({ queryKey: editorKeys.plan(workspaceId, configId) });
    void queryClient.invalidateQueries({ queryKey: editorKeys.manifest(workspaceId, configId) });
  }, [queryClient, workspaceId, configId]);

  const open = useCallback(
    async (path: string) => {
      if (stateRef.current.files[path]) {
        dispatch({ type: 'activated', path });
        return;
      }
      try {
        const file = await readFile(path);
        dispatch({ type: 'opened', path, text: file.code, etag: file.etag });
      } catch (error) {
        onError(error);
      }
    },
    [readFile, onError],
  );

  const saveAs = useCallback(
    async (path: string, text: string, etag: string) => {
      setSaving(path);
      try {
        const next = await saveDraftFile(workspaceId, configId, path, text, etag);
        dispatch({ type: 'saved', path, text, etag: next });
        changed();
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) {
          const server = await readFile(path).catch(() => null);
          if (server) dispatch({ type: 'conflicted', path, text: server.code, etag: server.etag });
          else onError(error);
        } else {
          onError(error);
        }
      } finally {
        setSaving(null);
      }
    },
    [workspaceId, configId, readFile, changed, onError],
  );

  /** Save the active file (Ctrl/Cmd+S): nothing to do when it is clean or in conflict. */
  const save = useCallback(() => {
    const file = activeFile(stateRef.current);
    if (!file || file.conflict || file.text === file.saved || saving !== null) return;
    void saveAs(file.path, file.text, file.etag);
  }, [saveAs, saving]);

  const keepMine = useCallback(
    (path: string) => {
      const file = stateRef.current.files[path];
      if (!file?.conflict) return;
      dispatch({ type: 'keptMine', path });
      void saveAs(path, file.text, file.conflict.etag);
    },
    [saveAs],
  );

  /** After `path` changed elsewhere (the manifest form saved): a clean open tab takes the new
   * text and ETag; a dirty one keeps the author's text and conflicts honestly on its next save. */
  const refresh = useCallback(
    async (path: string) => {
      const file = stateRef.current.files[path];
      if (!file || file.text !== file.saved || file.conflict) return;
      try {
        const server = await readFile(path);
        dispatch({ type: 'refreshed', path, text: server.code, etag: server.etag });
      } catch (error) {
        onError(error);
      }
    },
    [readFile, onError],
  );

  const create = useCallback(
    async (path: string) => {
      await createDraftFile(workspaceId, configId, path);
      changed();
      await open(path);
    },
    [workspaceId, configId, changed, open],
  );

  /** Rename = create the new path with the file's text, then delete the old one (undone if refused). */
  const rename = useCallback(
    async (from: string, to: string) => {
      const server = await readFile(from);
      const open = stateRef.current.files[from];
      const text = open ? open.text : server.code;
      const etag = await createDraftFile(workspaceId, configId, to, text);
      try {
        await deleteDraftFile(workspaceId, configId, from, server.etag);
      } catch (error) {
        await deleteDraftFile(workspaceId, configId, to, etag).catch(() => undefined);
        throw error;
      } finally {
        changed();
      }
      if (open) dispatch({ type: 'renamed', from, to, etag });
    },
    [workspaceId, configId, readFile, changed],
  );

  const remove = useCallback(
    async (path: string) => {
      const etag = stateRef.current.files[path]?.etag ?? (await readFile(path)).etag;
      await deleteDraftFile(workspaceId, configId, path, etag);
      dispatch({ type: 'deleted', path });
      changed();
    },
    [workspaceId, configId, readFile, changed],
  );

  return {
    state,
    dispatch,
    dirty: dirtyPaths(state),
    saving,
    open,
    save,
    keepMine,
    takeTheirs: (path: string) => dispatch({ type: 'tookTheirs', path }),
    refresh,
    create,
    rename,
    remove,
  };
}
