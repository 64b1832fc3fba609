/**
 * File uploads with real progress. fetch cannot report how much of a request body was sent, so
 * this one call uses XMLHttpRequest — with the same bearer token, request id and errors as the
 * client in `client.ts` (a failed answer becomes the same ApiError; a 401 ends the session).
 */
import { end, getToken } from '@/lib/session';

import { ApiError, apiErrorFrom } from './errors';
import type { paths } from './generated/schema';

/** The routes that take a multipart/form-data POST. */
export type MultipartPath = {
  [P in keyof paths]: NonNullable<paths[P]['post']> extends {
    requestBody: { content: { 'multipart/form-data': unknown } };
  }
    ? P
    : never;
}[keyof paths];

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;
type Responses<P extends MultipartPath> = NonNullable<paths[P]['post']>['responses'];
/** What a successful upload to `P` answers (its 201 JSON body). */
export type Uploaded<P extends MultipartPath> = JsonOf<Responses<P>[201 & keyof Responses<P>]>;

export interface UploadOptions {
  /** The path's `{param}` values. */
  params: Record<string, string>;
  /** Bytes sent so far and the request's total, as the browser reports them. */
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
  /** The multipart field the file goes in. */
  field?: string;
  headers?: Record<string, string>;
}

/** The path with its `{param}` parts filled in (encoded). */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`Missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** POST `file` to `path` as multipart/form-data, reporting upload progress. */
export function uploadFile<P extends MultipartPath>(path: P, file: File, options: UploadOptions): Promise<Uploaded<P>> {
  const { params, onProgress, signal, field = 'file', headers = {} } = options;
  return new Promise<Uploaded<P>>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    const url = `${window.location.origin}${fillPath(path, params)}`;
    xhr.open('POST', url);
    xhr.responseType = 'text';
    const token = getToken();
    if (token !== null) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('X-Request-ID', crypto.randomUUID());
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);

    const abort = () => xhr.abort();
    signal?.addEventListener('abort', abort, { once: true });
    const done = () => signal?.removeEventListener('abort', abort);

    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded, event.total);
    };
    xhr.onload = () => {
      done();
      const body: unknown = parseBody(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300 && body !== null) {
        // The answer's shape is the schema's, as openapi-fetch trusts it for every other call.
        // eslint-disable-next-line @typescript-eslint/no-unsafe-argument
        resolve(JSON.parse(xhr.responseText));
        return;
      }
      if (xhr.status === 401 && token !== null) end('expired');
      reject(apiErrorFrom(xhr.status, body, xhr.getResponseHeader('X-Request-ID')));
    };
    xhr.onerror = () => {
      done();
      reject(new ApiError({ status: 0, detail: 'Cannot reach the server. Check your connection.' }));
    };
    xhr.onabort = () => {
      done();
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
    };
    const form = new FormData();
    form.append(field, file, file.name);
    xhr.send(form);
  });
}
