/**
 * Split a failed call's problem details between a form's fields and the form itself, so each
 * message shows next to what caused it: the validation errors by their `loc`, and whole-request
 * problems (a wrong setup token, a taken email) at the field `place` names.
 */
import { ApiError } from './errors';

export interface FormErrors<F extends string> {
  /** The messages of one field (empty when it is fine). */
  field: (name: F) => string[];
  /** The error to show for the whole form, or null when all of it sits at fields. */
  form: unknown;
}

/** The last part of a problem type URI: `https://ade.dev/problems/conflict` -> `conflict`. */
export function problemSlug(error: ApiError): string {
  return error.type.split('/').at(-1) ?? '';
}

export function formErrors<F extends string>(
  error: unknown,
  fields: readonly F[],
  place?: (error: ApiError) => F | null | undefined,
): FormErrors<F> {
  const byField = new Map<F, string[]>();
  const result = (form: unknown): FormErrors<F> => ({ field: (name) => byField.get(name) ?? [], form });
  if (error === null || error === undefined) return result(null);
  if (!(error instanceof ApiError)) return result(error);
  if (error.errors.length === 0) {
    const target = place?.(error);
    if (!target) return result(error);
    byField.set(target, [error.detail || error.title]);
    return result(null);
  }
  let placed = 0;
  for (const field of fields) {
    const messages = error.fieldErrors(field);
    placed += messages.length;
    if (messages.length > 0) byField.set(field, messages);
  }
  // Anything not placed at a field (or nothing placed at all) shows for the whole form.
  return result(placed === error.errors.length ? null : error);
}
