/**
 * The one API client. Every call goes through it: typed from the generated OpenAPI schema, with
 * the bearer token, a request id, and every failed answer thrown as one ApiError. A 401 to a
 * request that carried a token ends the session, and the route guard sends the user to sign-in.
 */
import createClient, { type Middleware } from 'openapi-fetch';

import { end, getToken } from '@/lib/session';

import { ApiError, readApiError } from './errors';
import type { paths } from './generated/schema';

function newRequestId(): string {
  return crypto.randomUUID();
}

export const authMiddleware: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token !== null && !request.headers.has('Authorization')) {
      request.headers.set('Authorization', `Bearer ${token}`);
    }
    if (!request.headers.has('X-Request-ID')) request.headers.set('X-Request-ID', newRequestId());
    return request;
  },
};

export const problemMiddleware: Middleware = {
  onError() {
    return new ApiError({ status: 0, detail: 'Cannot reach the server. Check your connection.' });
  },
  async onResponse({ request, response }) {
    if (response.ok) return response;
    const error = await readApiError(response.clone());
    if (response.status === 401 && request.headers.has('Authorization')) end('expired');
    throw error;
  },
};

// Answers are typed from their JSON media type (a route may also offer text/event-stream).
export const api = createClient<paths, `${string}/json`>({
  // Same origin as the page. Node (tests) needs an absolute URL, so use the page's origin.
  baseUrl: typeof window === 'undefined' ? '' : window.location.origin,
  // Resolve fetch at call time, so test doubles installed after import are used.
  fetch: (request) => globalThis.fetch(request),
});
api.use(authMiddleware, problemMiddleware);

/**
 * The data of a successful call: `unwrap(await api.GET(...))`. Failed calls already threw an
 * ApiError in the middleware, so this only narrows the result type (and fails loudly on an
 * empty answer where the schema promised a body).
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`Empty answer from ${result.response.url} (${result.response.status})`);
  }
  return result.data;
}
