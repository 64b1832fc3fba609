const KEY = 'ade.lastWorkspace';

/** The workspace the user had open last (so `/` returns there). */
export function getLastWorkspace(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setLastWorkspace(workspaceId: string): void {
  try {
    localStorage.setItem(KEY, workspaceId);
  } catch {
    // Private mode without storage: nothing to remember.
  }
}
