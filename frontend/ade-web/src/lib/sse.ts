/**
 * The one Server-Sent Events client. Built on fetch (not EventSource) so it can send the
 * Authorization header. It parses `id:` / `event:` / `data:` / `retry:` lines, resumes with
 * `Last-Event-ID` after a dropped connection, reconnects with exponential back-off, reports its
 * connection state and stops when its signal aborts.
 */
import { readApiError, type ApiError } from '@/api/errors';

import { end, getToken } from './session';

export interface SseEvent {
  /** The `id:` in effect for this event (it carries over until changed), or null. */
  id: string | null;
  /** The `event:` field; `"message"` when absent. */
  event: string;
  /** The `data:` lines joined with newlines. */
  data: string;
}

/**
 * An incremental parser of the text/event-stream format (WHATWG HTML §9.2.6). Feed it text in
 * any chunking; it calls `onEvent` for each complete event and `onRetry` for `retry:` fields.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private skipLeadingLf = false;
  private idBuffer: string | null;
  /** The id of the last complete event: what a reconnect sends as Last-Event-ID. */
  lastEventId: string | null;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly onRetry: (ms: number) => void = () => undefined,
    lastEventId: string | null = null,
  ) {
    this.lastEventId = lastEventId;
    this.idBuffer = lastEventId;
  }

  feed(chunk: string): void {
    let text = chunk;
    if (this.skipLeadingLf && text.startsWith('\n')) text = text.slice(1);
    this.skipLeadingLf = false;
    this.buffer += text;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (match === null) break;
      // A lone CR at the end of the buffer may be the first half of CRLF split across chunks.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) {
        this.skipLeadingLf = true;
      }
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return; // a comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.onRetry(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  /** Drop a half-received event (the connection ended mid-event); keep the last id. */
  reset(): void {
    this.buffer = '';
    this.data = [];
    this.eventType = '';
    this.skipLeadingLf = false;
    this.idBuffer = this.lastEventId;
  }

  private dispatch(): void {
    this.lastEventId = this.idBuffer;
    const type = this.eventType || 'message';
    this.eventType = '';
    if (this.data.length === 0) return;
    const data = this.data.join('\n');
    this.data = [];
    this.onEvent({ id: this.lastEventId, event: type, data });
  }
}

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface EventStreamOptions {
  /** Same-origin path, e.g. `/api/v1/workspaces/…/events`. */
  url: string;
  onEvent: (event: SseEvent) => void;
  onStateChange?: (state: StreamState) => void;
  /** Called when a connection opens again after a drop: events may have been missed. */
  onReconnect?: () => void;
  /** A permanent failure (e.g. 404): the stream stops and does not retry. */
  onError?: (error: ApiError) => void;
  /** Aborting it closes the stream for good. */
  signal: AbortSignal;
  /** Resume after this event id (sent as `Last-Event-ID`). */
  lastEventId?: string | null;
  /** First retry delay and the cap of the doubling back-off, in ms. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** For tests. */
  fetch?: typeof fetch;
  random?: () => number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** The delay before reconnect attempt `attempt` (0-based): doubling, capped, ±20 % jitter. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random()));
}

// A function, so the type checker does not assume the signal cannot change between awaits.
const aborted = (signal: AbortSignal): boolean => signal.aborted;

/** Whether a failed answer is worth retrying: server trouble and rate limits are, the rest not. */
function retryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * Follow an SSE endpoint until `signal` aborts, the server ends the stream with 204, or a
 * permanent error. Resolves when it has stopped.
 */
export async function openEventStream(options: EventStreamOptions): Promise<void> {
  const { url, signal, onEvent, onStateChange, onReconnect, onError } = options;
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const random = options.random ?? Math.random;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let initialDelayMs = options.initialDelayMs ?? 1000;
  let attempt = 0;
  let opened = false;
  const parser = new SseParser(
    onEvent,
    (ms) => {
      initialDelayMs = ms;
    },
    options.lastEventId ?? null,
  );
  const setState = (state: StreamState) => onStateChange?.(state);

  while (!signal.aborted) {
    setState(opened ? 'reconnecting' : 'connecting');
    try {
      const headers = new Headers({ Accept: 'text/event-stream', 'Cache-Control': 'no-cache' });
      const token = getToken();
      if (token !== null) headers.set('Authorization', `Bearer ${token}`);
      if (parser.lastEventId !== null) headers.set('Last-Event-ID', parser.lastEventId);
      const response = await fetchFn(url, { headers, signal });
      if (response.status === 204) break; // the server says: nothing more, do not reconnect
      if (!response.ok || response.body === null) {
        const error = await readApiError(response);
        if (response.status === 401) end('expired');
        if (!retryable(response.status)) {
          onError?.(error);
          break;
        }
        throw error;
      }
      if (opened) onReconnect?.();
      opened = true;
      attempt = 0;
      setState('open');
      const reader = response.body.getReader();
      // fetch cancels the body on abort; cancel it here too, whatever the fetch.
      const cancel = () => void reader.cancel().catch(() => undefined);
      signal.addEventListener('abort', cancel, { once: true });
      if (aborted(signal)) cancel();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } finally {
        signal.removeEventListener('abort', cancel);
      }
      // The server closed the stream: reconnect (with Last-Event-ID) like after any drop.
    } catch {
      // A network drop or a retryable answer: try again below, unless stopped.
    }
    parser.reset();
    if (aborted(signal)) break;
    setState('reconnecting');
    await sleep(backoffDelay(attempt, initialDelayMs, maxDelayMs, random), signal);
    attempt += 1;
  }
  setState('closed');
}
