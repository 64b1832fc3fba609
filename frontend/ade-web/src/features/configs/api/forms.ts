/**
 * The rules the configs' create, import and duplicate forms share: the slug they suggest, the
 * checks they make before sending (the API's own: see `isSlug`), and where the API's problems
 * show (a taken slug, 409, under the slug; validation errors under their inputs).
 */
import type { ApiError } from '@/api/errors';
import { formErrors, type FormErrors } from '@/api/formErrors';

import { isSlug, slugFromFileName } from './naming';

export const TITLE_MAX = 200;
export const SLUG_FORMAT = 'Use lower-case letters, digits and dashes (1–64), not starting or ending with a dash.';

/** The slug to offer: from the title when there is one, else from a package's file name. */
export function suggestSlug(title: string, fileName?: string): string {
  const typed = title.trim();
  return slugFromFileName(typed === '' ? (fileName ?? '') : typed);
}

/** What is wrong with a slug the user typed (nothing for an empty one: the button waits). */
export function slugErrors(slug: string): string[] {
  return slug !== '' && !isSlug(slug) ? [SLUG_FORMAT] : [];
}

/** A conflict about the slug ("the slug 'x' is taken in this workspace") is the slug's problem. */
function placeConflict(error: ApiError): 'slug' | null {
  return error.status === 409 && /\bslug\b/.test(error.detail) ? 'slug' : null;
}

/** The API's answer split between a form's inputs (`fields`, with the slug) and the form. */
export function configFormErrors<F extends string>(error: unknown, fields: readonly F[]): FormErrors<F | 'slug'> {
  return formErrors<F | 'slug'>(error, [...fields, 'slug'], placeConflict);
}
