/**
 * Uploads of many files at once: a queue run with at most `UPLOAD_CONCURRENCY` files in flight,
 * each with its real progress and its own error, so one refused file does not stop the rest.
 * Each finished upload refreshes the documents lists.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';

import { ApiError, errorMessage } from '@/api/errors';

import { documentKeys, uploadDocument } from '../api/documents';

export const UPLOAD_CONCURRENCY = 3;

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  status: UploadStatus;
  /** Bytes sent and the request's size (a little more than the file: the form around it). */
  loaded: number;
  total: number;
  /** Why it failed, in words. */
  error: string | null;
  documentId: string | null;
}

/** `label`, then the API's detail after it, unless the detail already says it. */
function labelled(label: string, detail: string | null | undefined): string {
  if (!detail) return label;
  return detail.toLowerCase().includes(label.toLowerCase()) ? detail : `${label}: ${detail}`;
}

/** Why an upload failed, in words a person can act on (the API's detail after it). */
export function uploadErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 413) return labelled('Too large', error.detail);
    if (error.status === 415 || error.status === 422) return labelled('Not a spreadsheet ADE reads', error.detail);
    if (error.status === 403) return 'You may not upload to this workspace.';
  }
  return errorMessage(error);
}

/** The next queued items to start, given how many are uploading. */
export function nextToStart(items: UploadItem[], limit = UPLOAD_CONCURRENCY): string[] {
  const running = items.filter((item) => item.status === 'uploading').length;
  return items
    .filter((item) => item.status === 'queued')
    .slice(0, Math.max(0, limit - running))
    .map((item) => item.key);
}

let counter = 0;

export function useUploads(workspaceId: string) {
  const queryClient = useQueryClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const files = useRef(new Map<string, File>());
  const controllers = useRef(new Map<string, AbortController>());

  const update = useCallback((key: string, change: Partial<UploadItem>) => {
    setItems((list) => list.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const start = useCallback(
    (key: string) => {
      const file = files.current.get(key);
      if (file === undefined) return;
      const controller = new AbortController();
      controllers.current.set(key, controller);
      uploadDocument(workspaceId, file, {
        signal: controller.signal,
        onProgress: (loaded, total) => update(key, { loaded, total }),
      })
        .then((document) => {
          update(key, { status: 'done', documentId: document.id, loaded: file.size, total: file.size });
          void queryClient.invalidateQueries({ queryKey: documentKeys.lists(workspaceId) });
        })
        .catch((error: unknown) => {
          const cancelled = error instanceof DOMException && error.name === 'AbortError';
          update(key, cancelled ? { status: 'cancelled' } : { status: 'failed', error: uploadErrorMessage(error) });
        })
        .finally(() => {
          controllers.current.delete(key);
          files.current.delete(key);
        });
    },
    [queryClient, update, workspaceId],
  );

  // Start queued files whenever a slot is free (after adding, after each one ends).
  useEffect(() => {
    const keys = nextToStart(items);
    if (keys.length === 0) return;
    setItems((list) => list.map((item) => (keys.includes(item.key) ? { ...item, status: 'uploading' } : item)));
    keys.forEach(start);
  }, [items, start]);

  // Leaving the page stops what is still uploading.
  useEffect(() => {
    const running = controllers.current;
    return () => running.forEach((controller) => controller.abort());
  }, []);

  const add = useCallback((list: File[]) => {
    const added = list.map((file): UploadItem => {
      counter += 1;
      const key = `upload-${counter}`;
      files.current.set(key, file);
      return { key, name: file.name, size: file.size, status: 'queued', loaded: 0, total: file.size, error: null, documentId: null };
    });
    setItems((current) => [...added, ...current]);
  }, []);

  const cancel = useCallback(
    (key: string) => {
      const controller = controllers.current.get(key);
      if (controller) controller.abort();
      else {
        files.current.delete(key);
        update(key, { status: 'cancelled' });
      }
    },
    [update],
  );

  const clearFinished = useCallback(() => {
    setItems((list) => list.filter((item) => item.status === 'queued' || item.status === 'uploading'));
  }, []);

  return { items, add, cancel, clearFinished };
}
