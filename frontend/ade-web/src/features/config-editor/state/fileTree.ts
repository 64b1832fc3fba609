/** The draft's files grouped the way config authors think of a package. */

export type FileGroupId = 'startup' | 'columns' | 'row_types' | 'hooks' | 'samples' | 'other';

export interface FileGroup {
  id: FileGroupId;
  label: string;
  /** Full paths, sorted. */
  paths: string[];
}

const LABELS: Record<FileGroupId, string> = {
  startup: 'Startup',
  columns: 'Columns',
  row_types: 'Row types',
  hooks: 'Hooks',
  samples: 'Samples',
  other: 'Other',
};

const ORDER: FileGroupId[] = ['startup', 'columns', 'row_types', 'hooks', 'samples', 'other'];
const STARTUP = ['manifest.json', 'requirements.txt'];

export function groupOf(path: string): FileGroupId {
  if (STARTUP.includes(path)) return 'startup';
  if (path.startsWith('columns/')) return 'columns';
  if (path.startsWith('row_types/')) return 'row_types';
  if (path.startsWith('hooks/')) return 'hooks';
  const name = path.split('/').at(-1) ?? path;
  if (path.startsWith('samples/') || name.startsWith('sample')) return 'samples';
  return 'other';
}

/** Every group, in the author's order (Startup first), empty ones included. */
export function groupFiles(paths: readonly string[]): FileGroup[] {
  const sorted = [...paths].sort((a, b) => a.localeCompare(b));
  return ORDER.map((id) => ({
    id,
    label: LABELS[id],
    paths: id === 'startup' ? STARTUP.filter((p) => sorted.includes(p)) : sorted.filter((p) => groupOf(p) === id),
  }));
}

/** The file's name without its group's folder (`columns/email.py` → `email.py`). */
export function displayName(path: string): string {
  const group = groupOf(path);
  if (group === 'columns' || group === 'row_types' || group === 'hooks') return path.slice(path.indexOf('/') + 1);
  return path;
}

/** The Monaco language of a file, by extension. */
export function languageOf(path: string): 'python' | 'json' | 'markdown' | 'plaintext' {
  if (path.endsWith('.py')) return 'python';
  if (path.endsWith('.json')) return 'json';
  if (path.endsWith('.md')) return 'markdown';
  return 'plaintext';
}

const PATH_RE = /^(?:(?:columns|row_types|hooks)\/)?[A-Za-z0-9_][A-Za-z0-9_.-]*\.(?:py|json|txt|md)$/;

/** Why a new path would be refused, checked before asking the server (which checks it too). */
export function pathProblem(path: string, existing: readonly string[]): string | null {
  if (path.trim() === '') return 'Enter a file name.';
  if (!PATH_RE.test(path)) {
    return 'Use a .py, .json, .txt or .md name at the top or under columns/, row_types/ or hooks/.';
  }
  if (existing.includes(path)) return 'A file with this name exists.';
  return null;
}
