import { describe, expect, it } from 'vitest';

import { parseJobEvent } from './useLiveJob';

describe('parseJobEvent', () => {
  it('reads a job event sent as JSON', () => {
    const data = JSON.stringify({ seq: 4, type: 'job.succeeded', payload: { metrics: { issues: 0 } }, created_at: '2026-01-02T03:04:05Z' });
    expect(parseJobEvent(data)).toEqual({
      seq: 4,
      type: 'job.succeeded',
      payload: { metrics: { issues: 0 } },
      created_at: '2026-01-02T03:04:05Z',
    });
  });

  it('gives an empty payload when there is none', () => {
    expect(parseJobEvent('{"seq":1,"type":"job.queued","created_at":"x"}')?.payload).toEqual({});
  });

  it('rejects what is not a job event', () => {
    for (const data of ['not json', 'null', '[]', '{"seq":"1","type":"a","created_at":"x"}', '{"seq":1,"created_at":"x"}']) {
      expect(parseJobEvent(data)).toBeNull();
    }
  });
});
