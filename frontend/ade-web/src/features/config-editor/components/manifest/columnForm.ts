/**
 * The Add Column wizard's checks (the API's rules for `POST .../draft/columns`: a field of
 * lowercase letters, digits and underscores from a letter, at most 64; labels and synonyms of
 * 1-200 characters) and the API's answer placed on the input it concerns.
 */
import { ApiError } from '@/api/errors';

import type { ColumnCreate, ColumnKind } from '../../api/manifest';
import { splitSynonyms } from './manifestForm';

/** The API's pattern for a field (ade_engine.manifest.FIELD_RE) and its length limit. */
export const FIELD_PATTERN = /^[a-z][a-z0-9_]*$/;
export const FIELD_MAX = 64;
const TEXT_MAX = 200;
const SYNONYMS_MAX = 100;

export interface ColumnDraft {
  field: string;
  label: string;
  /** Comma-separated, as typed. */
  synonyms: string;
  required: boolean;
  kind: ColumnKind;
}

export type ColumnInput = 'field' | 'label' | 'synonyms' | 'kind';

export const emptyColumn: ColumnDraft = { field: '', label: '', synonyms: '', required: false, kind: 'text' };

/** The label the API gives a column sent without one: `member_id` → `Member Id`. */
export function defaultLabel(field: string): string {
  return field
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

/** What is wrong with each input before asking the server (empty when nothing is). */
export function checkColumn(draft: ColumnDraft, existing: readonly string[]): Partial<Record<ColumnInput, string>> {
  const problems: Partial<Record<ColumnInput, string>> = {};
  const field = draft.field.trim();
  if (field === '') problems.field = 'Enter a field name.';
  else if (!FIELD_PATTERN.test(field)) problems.field = 'Use lowercase letters, digits and underscores, starting with a letter.';
  else if (field.length > FIELD_MAX) problems.field = `At most ${FIELD_MAX} characters.`;
  else if (existing.includes(field)) problems.field = `The manifest already has a column ${field}.`;
  if (draft.label.trim().length > TEXT_MAX) problems.label = `At most ${TEXT_MAX} characters.`;
  const synonyms = splitSynonyms(draft.synonyms);
  if (synonyms.length > SYNONYMS_MAX) problems.synonyms = `At most ${SYNONYMS_MAX} synonyms.`;
  else if (synonyms.some((s) => s.length > TEXT_MAX)) problems.synonyms = `Each synonym is at most ${TEXT_MAX} characters.`;
  return problems;
}

/** The request body: a blank label is left to the API's default. */
export function columnBody(draft: ColumnDraft): ColumnCreate {
  const label = draft.label.trim();
  return {
    field: draft.field.trim(),
    ...(label ? { label } : {}),
    synonyms: splitSynonyms(draft.synonyms),
    required: draft.required,
    kind: draft.kind,
  };
}

export interface PlacedColumnErrors {
  at: Partial<Record<ColumnInput, string[]>>;
  /** What no input shows (e.g. a manifest that is already invalid). */
  rest: unknown;
}

const INPUTS: readonly ColumnInput[] = ['field', 'label', 'synonyms', 'kind'];

/**
 * Place the API's answer: a 409 (the field or its file exists) on the field; 400/422 problems
 * whose `loc` names an input (`["body", "synonyms", 2]`) on that input; the rest for the form.
 */
export function placeColumnError(error: unknown): PlacedColumnErrors {
  if (!(error instanceof ApiError)) return { at: {}, rest: error };
  if (error.status === 409) return { at: { field: [error.detail || error.title] }, rest: null };
  const at: Partial<Record<ColumnInput, string[]>> = {};
  let placed = 0;
  for (const problem of error.errors) {
    const input = problem.loc[0] === 'body' ? INPUTS.find((name) => name === problem.loc[1]) : undefined;
    if (!input) continue;
    (at[input] ??= []).push(problem.msg);
    placed += 1;
  }
  return { at, rest: placed === error.errors.length && placed > 0 ? null : error };
}
