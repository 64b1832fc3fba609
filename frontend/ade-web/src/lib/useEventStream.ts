import { useEffect, useRef, useState } from 'react';

import { openEventStream, type SseEvent, type StreamState } from './sse';

export interface UseEventStreamOptions {
  onEvent: (event: SseEvent) => void;
  /** After a reconnect events may have been missed: e.g. mark the feature's queries stale. */
  onReconnect?: () => void;
  /** Resume after this event id (e.g. the last one already loaded with useQuery). */
  lastEventId?: string | null;
}

/**
 * Follow an SSE endpoint while the component is mounted (`url` null: not at all). The stream
 * closes on unmount or when the url changes. Returns the connection state for a "live" badge.
 */
export function useEventStream(url: string | null, options: UseEventStreamOptions): StreamState {
  const [state, setState] = useState<StreamState>('closed');
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
    startAfter.current = options.lastEventId;
  });

  const startAfter = useRef(options.lastEventId);
  useEffect(() => {
    if (url === null) return;
    const controller = new AbortController();
    void openEventStream({
      url,
      // The id at (re)start only: later events move it inside the stream.
      lastEventId: startAfter.current ?? null,
      signal: controller.signal,
      onEvent: (event) => {
        latest.current.onEvent(event);
      },
      onReconnect: () => latest.current.onReconnect?.(),
      onStateChange: setState,
    });
    return () => {
      controller.abort();
    };
  }, [url]);

  return url === null ? 'closed' : state;
}
