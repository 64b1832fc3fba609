import { afterEach, describe, expect, it, vi } from 'vitest';

import { backoffDelay, openEventStream, SseParser, type SseEvent, type StreamState } from './sse';
import { end, startSession } from './session';

function parse(chunks: string[]): { events: SseEvent[]; retries: number[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = new SseParser((e) => events.push(e), (ms) => retries.push(ms));
  for (const chunk of chunks) parser.feed(chunk);
  return { events, retries, parser };
}

describe('SseParser', () => {
  it('reads id, event and data fields', () => {
    const { events } = parse(['id: 7\nevent: job.started\ndata: {"a":1}\n\n']);
    expect(events).toEqual([{ id: '7', event: 'job.started', data: '{"a":1}' }]);
  });

  it('joins data lines, defaults the type to "message" and skips comments', () => {
    const { events } = parse([': keep-alive\n\ndata: one\ndata:two\ndata\n\n']);
    expect(events).toEqual([{ id: null, event: 'message', data: 'one\ntwo\n' }]);
  });

  it('handles any chunking and CRLF, CR or LF line ends', () => {
    const text = 'id: 1\r\nevent: a\r\ndata: x\r\n\r\nid: 2\rdata: y\r\rdata: z\n\n';
    const whole = parse([text]).events;
    const byChar = parse(text.split('')).events;
    expect(byChar).toEqual(whole);
    expect(whole).toEqual([
      { id: '1', event: 'a', data: 'x' },
      { id: '2', event: 'message', data: 'y' },
      { id: '2', event: 'message', data: 'z' },
    ]);
  });

  it('keeps the last id across events and dispatches nothing without data', () => {
    const { events, parser } = parse(['id: 5\n\n', 'event: ping\n\n', 'data: after\n\n']);
    expect(events).toEqual([{ id: '5', event: 'message', data: 'after' }]);
    expect(parser.lastEventId).toBe('5');
  });

  it('reports retry fields that are numbers only', () => {
    expect(parse(['retry: 2500\nretry: soon\n\n']).retries).toEqual([2500]);
  });

  it('drops a half-received event, its id too, on reset', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    parser.feed('id: 2\ndata: whole\n\nid: 3\ndata: partial');
    expect(parser.lastEventId).toBe('2');
    parser.reset();
    parser.feed('data: next\n\n');
    expect(events).toEqual([
      { id: '2', event: 'message', data: 'whole' },
      { id: '2', event: 'message', data: 'next' },
    ]);
  });
});

describe('backoffDelay', () => {
  it('doubles up to the cap with ±20 % jitter', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 1000, 5000, mid))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(backoffDelay(0, 1000, 5000, () => 0)).toBe(800);
    expect(backoffDelay(0, 1000, 5000, () => 1)).toBe(1200);
  });
});

/** A streamed 200 answer whose body is these chunks, then (unless `hold`) its end. */
function streamResponse(chunks: string[], { hold = false } = {}): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (!hold) controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

describe('openEventStream', () => {
  afterEach(() => {
    end('signed-out');
  });

  it('sends the token, resumes with Last-Event-ID after a drop and reports its states', async () => {
    startSession('tok', 3600);
    const controller = new AbortController();
    const events: string[] = [];
    const states: StreamState[] = [];
    const requests: Headers[] = [];
    const onReconnect = vi.fn();
    const answers = [
      () => streamResponse(['id: 1\ndata: a\n\n', 'id: 2\ndata: b\n\nid: 3\ndata: cut']),
      () => {
        throw new TypeError('network down');
      },
      () => new Response('oops', { status: 503 }),
      () => streamResponse(['id: 4\ndata: d\n\n'], { hold: true }),
    ];
    const fetchMock = vi.fn((_url: RequestInfo | URL, init?: RequestInit) => {
      requests.push(new Headers(init?.headers));
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no more answers');
      return Promise.resolve(answer());
    });
    await openEventStream({
      url: '/api/v1/x/events',
      signal: controller.signal,
      fetch: fetchMock,
      initialDelayMs: 1,
      maxDelayMs: 4,
      onEvent: (e) => {
        events.push(`${e.id ?? ''}:${e.data}`);
        if (e.data === 'd') controller.abort(); // the last stream stays open: close it
      },
      onStateChange: (s) => states.push(s),
      onReconnect,
    });
    expect(events).toEqual(['1:a', '2:b', '4:d']);
    expect(requests.map((h) => h.get('Last-Event-ID'))).toEqual([null, '2', '2', '2']);
    expect(requests.every((h) => h.get('Authorization') === 'Bearer tok')).toBe(true);
    expect(requests[0]?.get('Accept')).toBe('text/event-stream');
    expect(onReconnect).toHaveBeenCalledTimes(1);
    expect(states[0]).toBe('connecting');
    expect(states).toContain('open');
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('closed');
  });

  it('stops on 204 and on a permanent error, without retrying', async () => {
    const onError = vi.fn();
    const fetch204 = vi.fn(() => Promise.resolve(new Response(null, { status: 204 })));
    await openEventStream({ url: '/e', signal: new AbortController().signal, fetch: fetch204, onEvent: vi.fn() });
    expect(fetch204).toHaveBeenCalledTimes(1);

    const fetch404 = vi.fn(() =>
      Promise.resolve(new Response(JSON.stringify({ title: 'Not found', detail: 'No job J1.' }), { status: 404 })),
    );
    await openEventStream({ url: '/e', signal: new AbortController().signal, fetch: fetch404, onEvent: vi.fn(), onError });
    expect(fetch404).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ status: 404, detail: 'No job J1.' }));
  });

  it('closes when aborted while waiting to reconnect', async () => {
    const controller = new AbortController();
    const fetchFail = vi.fn(() => {
      setTimeout(() => controller.abort(), 5);
      return Promise.reject(new TypeError('down'));
    });
    const states: StreamState[] = [];
    await openEventStream({
      url: '/e',
      signal: controller.signal,
      fetch: fetchFail,
      initialDelayMs: 60_000,
      onEvent: vi.fn(),
      onStateChange: (s) => states.push(s),
    });
    expect(fetchFail).toHaveBeenCalledTimes(1);
    expect(states).toEqual(['connecting', 'reconnecting', 'closed']);
  });
});
