/**
 * Request handlers typed from the generated schema: `handle('get', '/api/v1/me', () => user)`
 * only compiles when `user` has the shape the API answers.
 */
import { http, HttpResponse } from 'msw';

import type { paths } from '@/api/generated/schema';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Json<R> = R extends { content: { 'application/json': infer T } } ? T : never;
type Success<Op> = Op extends { responses: infer R }
  ? Json<R[200 & keyof R]> | Json<R[201 & keyof R]> | Json<R[202 & keyof R]>
  : never;
export type ResponseBody<P extends keyof paths, M extends Method> = Success<NonNullable<paths[P][M]>>;

type Resolver<P extends keyof paths, M extends Method> = (info: {
  request: Request;
  params: Record<string, string>;
}) => ResponseBody<P, M> | Response | Promise<ResponseBody<P, M> | Response>;

/** A handler for one route of the API, answering its JSON success shape (or any Response). */
export function handle<P extends keyof paths, M extends Method>(method: M, path: P, resolve: Resolver<P, M>) {
  // OpenAPI `{param}` -> MSW `:param`; a literal ':' (e.g. `/{job_id}:cancel`) is escaped.
  const pattern = path.replace(/:/g, '\\:').replace(/\{(\w+)\}/g, ':$1');
  return http[method](pattern, async ({ request, params }) => {
    const flat = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
    const result = await resolve({ request, params: flat });
    return result instanceof Response ? result : HttpResponse.json(result as never);
  });
}

/** An RFC 9457 problem-details answer, as the API sends. */
export function problem(
  status: number,
  detail: string,
  extra: { title?: string; type?: string; errors?: { loc: (string | number)[]; msg: string }[] } = {},
): Response {
  return HttpResponse.json(
    {
      type: extra.type ?? 'https://ade.dev/problems/test',
      title: extra.title ?? 'Problem',
      status,
      detail,
      request_id: 'req-test',
      ...(extra.errors ? { errors: extra.errors } : {}),
    },
    { status, headers: { 'Content-Type': 'application/problem+json' } },
  );
}
