import { render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { useEventStream } from './useEventStream';

function Live({ url, onEvent }: { url: string | null; onEvent: (data: string) => void }) {
  const state = useEventStream(url, { onEvent: (e) => onEvent(e.data) });
  return <p>{state}</p>;
}

describe('useEventStream', () => {
  it('follows the stream while mounted and aborts it on unmount', async () => {
    let signal: AbortSignal | undefined;
    const encoder = new TextEncoder();
    vi.spyOn(globalThis, 'fetch').mockImplementation((_input, init) => {
      signal = init?.signal ?? undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('id: 1\nevent: job.started\ndata: hello\n\n'));
        },
      });
      return Promise.resolve(new Response(body, { headers: { 'Content-Type': 'text/event-stream' } }));
    });
    const onEvent = vi.fn();
    const { unmount } = render(<Live url="/api/v1/stream" onEvent={onEvent} />);
    await waitFor(() => {
      expect(onEvent).toHaveBeenCalledWith('hello');
    });
    expect(screen.getByText('open')).toBeInTheDocument();
    unmount();
    expect(signal?.aborted).toBe(true);
  });

  it('does nothing without a url', () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    render(<Live url={null} onEvent={vi.fn()} />);
    expect(screen.getByText('closed')).toBeInTheDocument();
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
