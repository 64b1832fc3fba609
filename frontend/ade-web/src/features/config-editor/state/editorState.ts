/**
 * The editor's state: which draft files are open, each one's text as the author has it, the text
 * and ETag the server last gave, and a conflict when a save met a newer version (412).
 * A pure reducer, so the rules (dirty tracking, ETag per file, conflict resolution) are tested
 * apart from Monaco and the network.
 */

export interface OpenFile {
  path: string;
  /** What the editor holds now. */
  text: string;
  /** The server's text as of `etag` (the last load or save). */
  saved: string;
  /** The ETag a save sends as If-Match. */
  etag: string;
  /** A save was refused (412): the server's current text and ETag, until resolved. */
  conflict: { text: string; etag: string } | null;
  /** Bumped when `text` is replaced from outside the editor (taking the server's text). */
  revision: number;
}

export interface EditorState {
  files: Record<string, OpenFile>;
  /** Tab order. */
  tabs: string[];
  active: string | null;
}

export type EditorAction =
  | { type: 'opened'; path: string; text: string; etag: string }
  | { type: 'activated'; path: string }
  | { type: 'edited'; path: string; text: string }
  | { type: 'saved'; path: string; text: string; etag: string }
  | { type: 'conflicted'; path: string; text: string; etag: string }
  | { type: 'keptMine'; path: string }
  | { type: 'tookTheirs'; path: string }
  | { type: 'closed'; path: string }
  | { type: 'renamed'; from: string; to: string; etag: string }
  | { type: 'deleted'; path: string }
  | { type: 'reloaded'; path: string; text: string; etag: string };

export const initialEditorState: EditorState = { files: {}, tabs: [], active: null };

function update(state: EditorState, path: string, change: (file: OpenFile) => OpenFile): EditorState {
  const file = state.files[path];
  if (!file) return state;
  const changed = change(file);
  return changed === file ? state : { ...state, files: { ...state.files, [path]: changed } };
}

function omit(files: Record<string, OpenFile>, path: string): Record<string, OpenFile> {
  return Object.fromEntries(Object.entries(files).filter(([key]) => key !== path));
}

function without(state: EditorState, path: string): EditorState {
  const index = state.tabs.indexOf(path);
  const tabs = state.tabs.filter((p) => p !== path);
  const files = omit(state.files, path);
  // Closing the active tab activates its neighbour (the one after, else the one before).
  const active = state.active === path ? (tabs[Math.min(index, tabs.length - 1)] ?? null) : state.active;
  return { files, tabs, active };
}

export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  switch (action.type) {
    case 'opened': {
      if (state.files[action.path]) return { ...state, active: action.path };
      const file: OpenFile = { path: action.path, text: action.text, saved: action.text, etag: action.etag, conflict: null, revision: 0 };
      return { files: { ...state.files, [action.path]: file }, tabs: [...state.tabs, action.path], active: action.path };
    }
    case 'activated':
      return state.files[action.path] ? { ...state, active: action.path } : state;
    case 'edited':
      return update(state, action.path, (file) => ({ ...file, text: action.text }));
    case 'saved':
      // `text` is what was sent: edits typed while the save was in flight stay dirty.
      return update(state, action.path, (file) => ({ ...file, saved: action.text, etag: action.etag, conflict: null }));
    case 'conflicted':
      return update(state, action.path, (file) => ({ ...file, conflict: { text: action.text, etag: action.etag } }));
    case 'keptMine':
      // Our text stays; the next save goes over the server's newer version.
      return update(state, action.path, (file) =>
        file.conflict ? { ...file, saved: file.conflict.text, etag: file.conflict.etag, conflict: null } : file,
      );
    case 'tookTheirs':
      return update(state, action.path, (file) =>
        file.conflict
          ? {
              ...file,
              text: file.conflict.text,
              saved: file.conflict.text,
              etag: file.conflict.etag,
              conflict: null,
              revision: file.revision + 1,
            }
          : file,
      );
    case 'reloaded':
      // The file changed on the server (a revert or restore, the manifest form): a clean tab
      // takes the new text; one with unsaved edits (or in conflict) keeps them and its old ETag, so its next
      // save meets the new version as a conflict (412) instead of overwriting it unseen.
      return update(state, action.path, (file) =>
        file.text !== file.saved || file.conflict
          ? file
          : { ...file, text: action.text, saved: action.text, etag: action.etag, revision: file.revision + 1 },
      );
    case 'closed':
    case 'deleted':
      return without(state, action.path);
    case 'renamed': {
      const file = state.files[action.from];
      if (!file) return state;
      const files = omit(state.files, action.from);
      files[action.to] = { ...file, path: action.to, etag: action.etag, saved: file.text };
      return {
        files,
        tabs: state.tabs.map((p) => (p === action.from ? action.to : p)),
        active: state.active === action.from ? action.to : state.active,
      };
    }
  }
}

export function isDirty(file: OpenFile | undefined): boolean {
  return file !== undefined && file.text !== file.saved;
}

/** The open files with unsaved changes, in tab order. */
export function dirtyPaths(state: EditorState): string[] {
  return state.tabs.filter((path) => isDirty(state.files[path]));
}

export function activeFile(state: EditorState): OpenFile | undefined {
  return state.active === null ? undefined : state.files[state.active];
}
