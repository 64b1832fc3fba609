/**
 * One error type for every failed API call: the server's RFC 9457 problem details
 * (`application/problem+json`, see backend/ade-api/src/ade_api/problems.py), or a stand-in when
 * the answer was not one (a proxy's HTML page, the network down).
 */
import type { components } from './generated/schema';

export type Problem = components['schemas']['Problem'];

export interface FieldError {
  /** Where the problem is, e.g. `["body", "email"]`. */
  loc: (string | number)[];
  msg: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly requestId: string | null;

  constructor(init: {
    status: number;
    type?: string;
    title?: string;
    detail?: string;
    errors?: FieldError[];
    requestId?: string | null;
  }) {
    const title = init.title ?? defaultTitle(init.status);
    super(init.detail ?? title);
    this.status = init.status;
    this.type = init.type ?? 'about:blank';
    this.title = title;
    this.detail = init.detail ?? '';
    this.errors = init.errors ?? [];
    this.requestId = init.requestId ?? null;
  }

  /** The field errors of one input, by its last `loc` part (e.g. `"email"`). */
  fieldErrors(field: string): string[] {
    return this.errors.filter((e) => e.loc.at(-1) === field).map((e) => e.msg);
  }
}

function defaultTitle(status: number): string {
  if (status === 0) return 'Cannot reach the server';
  if (status >= 500) return 'Server error';
  return `Request failed (${status})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toFieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((item) => ({
    loc: Array.isArray(item.loc)
      ? item.loc.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number')
      : [],
    msg: typeof item.msg === 'string' ? item.msg : 'Invalid value',
  }));
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Build an ApiError from a response status and its (already parsed) body, whatever it is. */
export function apiErrorFrom(status: number, body: unknown, requestId: string | null): ApiError {
  if (!isRecord(body)) return new ApiError({ status, requestId });
  return new ApiError({
    status,
    type: str(body.type),
    title: str(body.title),
    detail: str(body.detail),
    errors: toFieldErrors(body.errors),
    requestId: str(body.request_id) ?? requestId,
  });
}

/** Read a failed response's body as problem details (any content type) into an ApiError. */
export async function readApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    const text = await response.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return apiErrorFrom(response.status, body, response.headers.get('X-Request-ID'));
}

function fieldLabel(loc: FieldError['loc']): string {
  // Drop where the value came from ("body", "query"...) and keep the field path.
  const parts = loc.filter((p, i) => !(i === 0 && ['body', 'query', 'path', 'header'].includes(String(p))));
  return parts.join('.');
}

/**
 * A sentence a person can read for any error: the problem's detail (or title), then each field
 * error as "field: message". Non-API errors say what they can.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const head = error.detail || error.title;
    const fields = error.errors.map((e) => {
      const label = fieldLabel(e.loc);
      return label ? `${label}: ${e.msg}` : e.msg;
    });
    return [head, ...fields].join('\n');
  }
  if (error instanceof TypeError) return 'Cannot reach the server. Check your connection and try again.';
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}
