/**
 * The editor's session: open files (the reducer in state/editorState.ts), saving with If-Match,
 * a 412 turned into a conflict with the server's text, file create/rename/delete, and the plan
 * refreshed after each change. Errors other than a conflict are handed to `onError`.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';

import { ApiError } from '@/api/errors';

import {
  createDraftFile,
  deleteDraftFile,
  draftFileQuery,
  editorKeys,
  saveDraftFile,
} from '../api/drafts';
import {
  activeFile,
  dirtyPaths,
  editorReducer,
  initialEditorState,
  isDirty,
  type EditorAction,
  type EditorState,
} from '../state/editorState';

export function useConfigEditor(workspaceId: string, configId: string, onError: (error: unknown) => void) {
  const queryClient = useQueryClient();
  // The reducer runs here, not in useReducer, so stateRef is current the moment an action is
  // dispatched: Ctrl+S pressed right after a keystroke must see that keystroke's text, before
  // React has rendered it.
  const [state, setState] = useState<EditorState>(initialEditorState);
  const stateRef = useRef(state);
  const dispatch = useCallback((action: EditorAction) => {
    stateRef.current = editorReducer(stateRef.current, action);
    setState(stateRef.current);
  }, []);
  const [saving, setSavingState] = useState<string | null>(null);
  const savingRef = useRef<string | null>(null);
  const setSaving = useCallback((path: string | null) => {
    savingRef.current = path;
    setSavingState(path);
  }, []);

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
    [readFile, onError, dispatch],
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
    [workspaceId, configId, readFile, changed, onError, dispatch, setSaving],
  );

  /** Save the active file (Ctrl/Cmd+S): nothing to do when it is clean or in conflict. */
  const save = useCallback(() => {
    const file = activeFile(stateRef.current);
    if (!file || file.conflict || file.text === file.saved || savingRef.current !== null) return;
    void saveAs(file.path, file.text, file.etag);
  }, [saveAs]);

  const keepMine = useCallback(
    (path: string) => {
      const file = stateRef.current.files[path];
      if (!file?.conflict) return;
      dispatch({ type: 'keptMine', path });
      void saveAs(path, file.text, file.conflict.etag);
    },
    [saveAs, dispatch],
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
    [workspaceId, configId, readFile, changed, dispatch],
  );

  const remove = useCallback(
    async (path: string) => {
      const etag = stateRef.current.files[path]?.etag ?? (await readFile(path)).etag;
      await deleteDraftFile(workspaceId, configId, path, etag);
      dispatch({ type: 'deleted', path });
      changed();
    },
    [workspaceId, configId, readFile, changed, dispatch],
  );

  /** After files changed elsewhere (a revert or restore replaced the draft; the manifest form
   * saved `paths`): clean open tabs take the server's text (closed when the file is gone); tabs
   * with unsaved edits keep them and conflict on their next save. */
  const reload = useCallback(async (paths?: string[]) => {
    changed();
    await Promise.all(
      Object.values(stateRef.current.files)
        .filter((file) => !isDirty(file) && (paths === undefined || paths.includes(file.path)))
        .map(async (file) => {
          try {
            const server = await readFile(file.path);
            dispatch({ type: 'reloaded', path: file.path, text: server.code, etag: server.etag });
          } catch (error) {
            if (error instanceof ApiError && error.status === 404) dispatch({ type: 'deleted', path: file.path });
            else onError(error);
          }
        }),
    );
  }, [changed, readFile, onError, dispatch]);

  return {
    state,
    dispatch,
    dirty: dirtyPaths(state),
    saving,
    open,
    save,
    keepMine,
    takeTheirs: (path: string) => dispatch({ type: 'tookTheirs', path }),
    create,
    rename,
    remove,
    reload,
  };
}
