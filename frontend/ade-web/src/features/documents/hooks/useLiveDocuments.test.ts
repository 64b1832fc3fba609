import { QueryClientProvider } from '@tanstack/react-query';
import { renderHook, waitFor } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { describe, expect, it } from 'vitest';

import { document, page } from '@/test/fixtures';
import { testQueryClient } from '@/test/render';

import { documentKeys } from '../api/documents';
import { applyJobChange, parseJobChange, useLiveDocuments } from './useLiveDocuments';

const event = (over: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: '01J0000000000000000000000E',
    type: 'job.succeeded',
    created_at: '2026-01-01T00:00:00Z',
    subject_type: 'job',
    subject_id: '01J000000000000000000000J2',
    document_id: 'D1',
    job_id: '01J000000000000000000000J2',
    actor_id: null,
    payload: { status: 'succeeded', config_version_id: 'V1', created_at: '2026-01-01T00:00:00Z', completed_at: '2026-01-01T00:00:05Z', ...payload },
    ...over,
  });

const job = (id: string, status: 'queued' | 'running' | 'succeeded') => ({
  id, status, config_version_id: 'V1', created_at: '2026-01-01T00:00:00Z', completed_at: null, error_type: null,
});

describe('live documents', () => {
  it('reads job changes from workspace events and ignores the rest', () => {
    expect(parseJobChange(event())).toMatchObject({ documentId: 'D1', job: { id: '01J000000000000000000000J2', status: 'succeeded' } });
    expect(parseJobChange(event({}, { status: 'failed', error: { type: 'input', message: 'x' } }))?.job.error_type).toBe('input');
    expect(parseJobChange(event({ type: 'document.uploaded' }))).toBeNull();
    expect(parseJobChange(event({}, { status: 'exploded' }))).toBeNull();
    expect(parseJobChange('not json')).toBeNull();
  });

  it('writes the change into the page: a newer or the same job replaces the latest, an older one does not', () => {
    const list = page([document({ id: 'D1', latest_job: job('01J000000000000000000000J1', 'succeeded') }), document({ id: 'D2' })]);
    const newer = parseJobChange(event());
    if (newer === null) throw new Error('parsed');
    expect(applyJobChange(list, newer).items[0]?.latest_job?.id).toBe('01J000000000000000000000J2');
    const older = { documentId: 'D1', job: job('01J000000000000000000000J0', 'running') };
    expect(applyJobChange(list, older)).toBe(list);
    const same = { documentId: 'D1', job: { ...job('01J000000000000000000000J1', 'running'), config_version_id: '' } };
    expect(applyJobChange(list, same).items[0]?.latest_job).toMatchObject({ status: 'running', config_version_id: 'V1' });
    expect(applyJobChange(list, { ...older, documentId: 'elsewhere' })).toBe(list);
  });

  it('refreshes what was cached while nothing followed the events (e.g. a job finished meanwhile)', async () => {
    const queryClient = testQueryClient();
    const detail = documentKeys.detail('W1', 'D1');
    queryClient.setQueryData(detail, { ...document(), jobs: [], job_counts: {} });
    const wrapper = ({ children }: { children: ReactNode }) => createElement(QueryClientProvider, { client: queryClient }, children);
    renderHook(() => useLiveDocuments('W1'), { wrapper });
    await waitFor(() => expect(queryClient.getQueryState(detail)?.isInvalidated).toBe(true));
  });
});
