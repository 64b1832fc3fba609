/**
 * The signed-in session: the bearer token and when it expires, kept in sessionStorage (one tab,
 * gone when the tab closes). A tiny external store so React reads it with useSyncExternalStore
 * and the API client reads it without React.
 */
export interface Session {
  token: string;
  /** Epoch milliseconds after which the token is no longer accepted. */
  expiresAt: number;
}

/** Why the session ended: the user signed out, or the server or the clock said it was over. */
export type EndReason = 'signed-out' | 'expired';

const KEY = 'ade.session';

type Listener = () => void;
const listeners = new Set<Listener>();
let current: Session | null = read();
let lastEnd: EndReason | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) return null;
    const parsed: unknown = JSON.parse(raw);
    if (isSession(parsed) && parsed.expiresAt > Date.now()) return parsed;
  } catch {
    // Unreadable storage is the same as no session.
  }
  return null;
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  return (
    'token' in value &&
    typeof value.token === 'string' &&
    'expiresAt' in value &&
    typeof value.expiresAt === 'number'
  );
}

function emit(): void {
  for (const listener of listeners) listener();
}

function schedule(): void {
  clearTimeout(timer);
  if (current === null) return;
  // Timers cap at ~24.8 days; tokens are far shorter, but clamp anyway.
  const delay = Math.min(current.expiresAt - Date.now(), 2 ** 31 - 1);
  timer = setTimeout(() => {
    end('expired');
  }, Math.max(delay, 0));
}

/** Start a session from a login answer (`expires_in` seconds from now). */
export function startSession(token: string, expiresInSeconds: number): void {
  current = { token, expiresAt: Date.now() + expiresInSeconds * 1000 };
  lastEnd = null;
  sessionStorage.setItem(KEY, JSON.stringify(current));
  schedule();
  emit();
}

/** End the session (sign-out, a 401 answer, or the expiry timer). */
export function end(reason: EndReason): void {
  if (current === null) return;
  current = null;
  lastEnd = reason;
  sessionStorage.removeItem(KEY);
  schedule();
  emit();
}

export function getSession(): Session | null {
  if (current !== null && current.expiresAt <= Date.now()) end('expired');
  return current;
}

/** The bearer token, or null when signed out or expired. */
export function getToken(): string | null {
  return getSession()?.token ?? null;
}

/** Why the last session ended, so the sign-in page can say "your session expired". */
export function lastEndReason(): EndReason | null {
  return lastEnd;
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

schedule();

/** Forget the session and why it ended, without notifying anyone (between tests). */
export function resetSession(): void {
  current = null;
  lastEnd = null;
  sessionStorage.removeItem(KEY);
  schedule();
}
