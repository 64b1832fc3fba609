/**
 * The documents lists, live: follows the workspace's event stream
 * (`GET /api/v1/workspaces/{ws}/events`) and writes each job change into the cached lists (the
 * document's latest job and its status); an upload or delete elsewhere refetches the lists.
 */
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

import type { components } from '@/api/generated/schema';
import { useEventStream } from '@/lib/useEventStream';

import { documentKeys, type DocumentJob, type DocumentPage } from '../api/documents';

type JobStatus = components['schemas']['JobStatus'];
const STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

export interface JobChange {
  documentId: string;
  job: DocumentJob;
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const isStatus = (value: unknown): value is JobStatus => STATUSES.some((s) => s === value);

/** A workspace event as a change of a document's job (null: not a job change we can apply). */
export function parseJobChange(data: string): JobChange | null {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isRecord(event) || !str(event.type)?.startsWith('job.')) return null;
  const payload = isRecord(event.payload) ? event.payload : {};
  const documentId = str(event.document_id) ?? str(payload.document_id);
  const jobId = str(event.job_id);
  const status = payload.status;
  if (documentId === null || jobId === null || !isStatus(status)) return null;
  const error = isRecord(payload.error) ? payload.error : isRecord(payload.detail) && isRecord(payload.detail.error) ? payload.detail.error : null;
  return {
    documentId,
    job: {
      id: jobId,
      status,
      config_version_id: str(payload.config_version_id) ?? '',
      created_at: str(payload.created_at) ?? str(payload.queued_at) ?? str(event.created_at) ?? '',
      completed_at: str(payload.completed_at),
      error_type: status === 'failed' && error ? str(error.type) : null,
    },
  };
}

/** A page of documents with `change` applied: the job becomes the document's latest unless an
 * older one (job ids sort by creation). */
export function applyJobChange(page: DocumentPage, change: JobChange): DocumentPage {
  const document = page.items.find((d) => d.id === change.documentId);
  const latest = document?.latest_job ?? null;
  if (document === undefined || (latest !== null && latest.id > change.job.id)) return page;
  const job =
    latest?.id === change.job.id
      ? { ...latest, ...change.job, config_version_id: change.job.config_version_id || latest.config_version_id }
      : change.job;
  return { ...page, items: page.items.map((d) => (d === document ? { ...d, latest_job: job } : d)) };
}

function onWorkspaceEvent(queryClient: QueryClient, workspaceId: string, type: string, data: string) {
  if (type.startsWith('document.')) {
    void queryClient.invalidateQueries({ queryKey: documentKeys.lists(workspaceId) });
    return;
  }
  const change = parseJobChange(data);
  if (change === null) return;
  queryClient.setQueriesData<DocumentPage>({ queryKey: documentKeys.lists(workspaceId) }, (page) =>
    page === undefined ? page : applyJobChange(page, change),
  );
  void queryClient.invalidateQueries({ queryKey: documentKeys.detail(workspaceId, change.documentId), exact: true });
}

/** The SSE url of a workspace's change events. */
export function workspaceEventsUrl(workspaceId: string): string {
  return `/api/v1/workspaces/${encodeURIComponent(workspaceId)}/events`;
}

/** Keep the workspace's documents queries live while mounted; returns the stream's state.
 * What was cached before (e.g. a document's page left for its job's page, where the job then
 * finished) missed the events of that time: it is refreshed once, as after a reconnect. */
export function useLiveDocuments(workspaceId: string) {
  const queryClient = useQueryClient();
  useEffect(() => {
    void queryClient.invalidateQueries({
      queryKey: documentKeys.all(workspaceId),
      predicate: (query) => query.state.data !== undefined,
    });
  }, [queryClient, workspaceId]);
  return useEventStream(workspaceEventsUrl(workspaceId), {
    onEvent: (message) => onWorkspaceEvent(queryClient, workspaceId, message.event, message.data),
    onReconnect: () => void queryClient.invalidateQueries({ queryKey: documentKeys.all(workspaceId) }),
  });
}
