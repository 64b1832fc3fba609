import { activeFile, dirtyPaths, editorReducer, initialEditorState, isDirty, type EditorAction, type EditorState } from './editorState';

function run(...actions: EditorAction[]): EditorState {
  return actions.reduce(editorReducer, initialEditorState);
}

const openA: EditorAction = { type: 'opened', path: 'columns/a.py', text: 'a = 1\n', etag: '"e1"' };
const openB: EditorAction = { type: 'opened', path: 'columns/b.py', text: 'b = 1\n', etag: '"f1"' };

describe('editorReducer', () => {
  it('opens files as tabs, once each, and activates the last opened', () => {
    const state = run(openA, openB, openA);
    expect(state.tabs).toEqual(['columns/a.py', 'columns/b.py']);
    expect(state.active).toBe('columns/a.py');
    expect(state.files['columns/a.py']?.etag).toBe('"e1"');
  });

  it('tracks dirty per file against the last saved text', () => {
    let state = run(openA, openB, { type: 'edited', path: 'columns/a.py', text: 'a = 2\n' });
    expect(dirtyPaths(state)).toEqual(['columns/a.py']);
    expect(isDirty(state.files['columns/b.py'])).toBe(false);
    // Typing the saved text back makes it clean again.
    state = editorReducer(state, { type: 'edited', path: 'columns/a.py', text: 'a = 1\n' });
    expect(dirtyPaths(state)).toEqual([]);
  });

  it('keeps each file its own ETag across saves', () => {
    const state = run(
      openA,
      openB,
      { type: 'edited', path: 'columns/a.py', text: 'a = 2\n' },
      { type: 'saved', path: 'columns/a.py', text: 'a = 2\n', etag: '"e2"' },
    );
    expect(state.files['columns/a.py']?.etag).toBe('"e2"');
    expect(state.files['columns/b.py']?.etag).toBe('"f1"');
    expect(dirtyPaths(state)).toEqual([]);
  });

  it('leaves edits typed during a save dirty', () => {
    const state = run(
      openA,
      { type: 'edited', path: 'columns/a.py', text: 'a = 2\n' },
      { type: 'edited', path: 'columns/a.py', text: 'a = 3\n' },
      { type: 'saved', path: 'columns/a.py', text: 'a = 2\n', etag: '"e2"' },
    );
    expect(isDirty(state.files['columns/a.py'])).toBe(true);
  });

  it('keep mine: the text stays and the next save uses the server’s new ETag', () => {
    const state = run(
      openA,
      { type: 'edited', path: 'columns/a.py', text: 'mine\n' },
      { type: 'conflicted', path: 'columns/a.py', text: 'theirs\n', etag: '"e9"' },
    );
    expect(state.files['columns/a.py']?.conflict).toEqual({ text: 'theirs\n', etag: '"e9"' });
    const kept = editorReducer(state, { type: 'keptMine', path: 'columns/a.py' });
    expect(kept.files['columns/a.py']).toMatchObject({ text: 'mine\n', saved: 'theirs\n', etag: '"e9"', conflict: null });
    expect(isDirty(kept.files['columns/a.py'])).toBe(true);
  });

  it('take theirs: the server’s text replaces ours and the file is clean', () => {
    const state = run(
      openA,
      { type: 'edited', path: 'columns/a.py', text: 'mine\n' },
      { type: 'conflicted', path: 'columns/a.py', text: 'theirs\n', etag: '"e9"' },
      { type: 'tookTheirs', path: 'columns/a.py' },
    );
    expect(state.files['columns/a.py']).toMatchObject({ text: 'theirs\n', saved: 'theirs\n', etag: '"e9"', conflict: null, revision: 1 });
    expect(dirtyPaths(state)).toEqual([]);
  });

  it('resolving without a conflict changes nothing', () => {
    const state = run(openA);
    expect(editorReducer(state, { type: 'keptMine', path: 'columns/a.py' })).toBe(state);
    expect(editorReducer(state, { type: 'edited', path: 'nope.py', text: '' })).toBe(state);
  });

  it('closing the active tab activates its neighbour', () => {
    const c: EditorAction = { type: 'opened', path: 'hooks/c.py', text: '', etag: '"g1"' };
    let state = run(openA, openB, c, { type: 'activated', path: 'columns/b.py' }, { type: 'closed', path: 'columns/b.py' });
    expect(state.tabs).toEqual(['columns/a.py', 'hooks/c.py']);
    expect(state.active).toBe('hooks/c.py');
    state = run(openA, { type: 'deleted', path: 'columns/a.py' });
    expect(state).toEqual(initialEditorState);
    expect(activeFile(state)).toBeUndefined();
  });

  it('renames a tab in place with the new file’s ETag', () => {
    const state = run(openA, openB, { type: 'activated', path: 'columns/a.py' }, { type: 'renamed', from: 'columns/a.py', to: 'columns/z.py', etag: '"z1"' });
    expect(state.tabs).toEqual(['columns/z.py', 'columns/b.py']);
    expect(state.active).toBe('columns/z.py');
    expect(state.files['columns/z.py']).toMatchObject({ path: 'columns/z.py', etag: '"z1"', text: 'a = 1\n' });
    expect(state.files['columns/a.py']).toBeUndefined();
  });
  it('a replaced draft reloads clean tabs and leaves dirty ones to conflict on save', () => {
    const state = run(
      openA,
      openB,
      { type: 'edited', path: 'columns/b.py', text: 'b = 2  # unsaved\n' },
      { type: 'reloaded', path: 'columns/a.py', text: 'a = 0\n', etag: '"a9"' },
      { type: 'reloaded', path: 'columns/b.py', text: 'b = 0\n', etag: '"b9"' },
    );
    expect(state.files['columns/a.py']).toMatchObject({ text: 'a = 0\n', saved: 'a = 0\n', etag: '"a9"', revision: 1 });
    // Still the author's text over the old ETag: the next save answers 412, the conflict view.
    expect(state.files['columns/b.py']).toMatchObject({ text: 'b = 2  # unsaved\n', etag: '"f1"', revision: 0 });
    expect(dirtyPaths(state)).toEqual(['columns/b.py']);
  });

  it('a clean tab takes a text saved elsewhere; a dirty one keeps its text and old ETag', () => {
    const refreshed: EditorAction = { type: 'reloaded', path: 'columns/a.py', text: 'a = 9\n', etag: '"e9"' };
    const clean = run(openA, refreshed).files['columns/a.py'];
    expect(clean).toMatchObject({ text: 'a = 9\n', saved: 'a = 9\n', etag: '"e9"', revision: 1 });
    const dirty = run(openA, { type: 'edited', path: 'columns/a.py', text: 'mine\n' }, refreshed).files['columns/a.py'];
    expect(dirty).toMatchObject({ text: 'mine\n', saved: 'a = 1\n', etag: '"e1"', revision: 0 });
  });
});
