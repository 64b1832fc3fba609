/**
 * The manifest form's data shaping, apart from React: manifest → form state, moving columns
 * (ordinals follow the order), the JSON merge patch a save sends (only what changed; arrays
 * replace wholesale), and the API's 400 problems placed on the input they name.
 * The rules are the engine's (backend/ade-engine/src/ade_engine/manifest.py); the server judges.
 */
import type { FieldError } from '@/api/errors';

import { isJsonObject, type JsonObject } from '../../api/manifest';

export const HOOK_STAGES = ['run_start', 'after_mapping', 'before_save', 'run_end'] as const;
export type HookStage = (typeof HOOK_STAGES)[number];

export const NUMBER_SETTINGS = ['min_score', 'sample_size', 'header_scan_rows', 'chunk_rows'] as const;
export type NumberSetting = (typeof NUMBER_SETTINGS)[number];

/** Every engine setting with its default (a blank input means the default applies). */
export const ENGINE_DEFAULTS = {
  min_score: 0.5,
  sample_size: 200,
  header_scan_rows: 50,
  chunk_rows: 10000,
  unmapped_columns: 'drop',
  incomplete_tables: 'skip',
  output_sheet: 'Normalized',
  include_source: false,
} as const;
type EngineKey = keyof typeof ENGINE_DEFAULTS;
const ENGINE_KEYS: readonly EngineKey[] = [
  'min_score',
  'sample_size',
  'header_scan_rows',
  'chunk_rows',
  'unmapped_columns',
  'incomplete_tables',
  'output_sheet',
  'include_source',
];

export interface ColumnRow {
  /** Stable while the form lives (drag and drop, React keys). */
  key: string;
  field: string;
  label: string;
  /** Comma-separated, as typed. */
  synonyms: string;
  required: boolean;
  enabled: boolean;
  /** The entry as read: keys the form does not edit (path, description...) are sent back as they were. */
  raw: JsonObject;
}

export interface EngineForm {
  /** As typed; '' = not set (the default applies). */
  numbers: Record<NumberSetting, string>;
  unmapped_columns: string;
  incomplete_tables: string;
  output_sheet: string;
  include_source: boolean;
}

export interface ManifestForm {
  columns: ColumnRow[];
  engine: EngineForm;
  hooks: Record<HookStage, string[]>;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function ordinalOf(row: { raw: JsonObject }): number {
  const ordinal = row.raw.ordinal;
  return typeof ordinal === 'number' ? ordinal : Number.POSITIVE_INFINITY;
}

export function splitSynonyms(value: string): string[] {
  return [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
}

/** The form for a manifest: columns in ordinal order (as a run writes them). */
export function formFromManifest(manifest: JsonObject): ManifestForm {
  const columns = (Array.isArray(manifest.columns) ? manifest.columns : []).filter(isJsonObject).map(
    (raw, index): ColumnRow => ({
      key: `column-${index}`,
      field: text(raw.field),
      label: text(raw.label),
      synonyms: strings(raw.synonyms).join(', '),
      required: raw.required === true,
      enabled: raw.enabled !== false,
      raw,
    }),
  );
  columns.sort((a, b) => ordinalOf(a) - ordinalOf(b));
  const engine = isJsonObject(manifest.engine) ? manifest.engine : {};
  const hooks = isJsonObject(manifest.hooks) ? manifest.hooks : {};
  return {
    columns,
    engine: {
      numbers: {
        min_score: text(engine.min_score),
        sample_size: text(engine.sample_size),
        header_scan_rows: text(engine.header_scan_rows),
        chunk_rows: text(engine.chunk_rows),
      },
      unmapped_columns: text(engine.unmapped_columns),
      incomplete_tables: text(engine.incomplete_tables),
      output_sheet: text(engine.output_sheet),
      include_source: engine.include_source === true,
    },
    hooks: {
      run_start: strings(hooks.run_start),
      after_mapping: strings(hooks.after_mapping),
      before_save: strings(hooks.before_save),
      run_end: strings(hooks.run_end),
    },
  };
}

/** The columns with `from` moved to `to` (drag and drop, Move up/down). */
export function moveColumn(columns: ColumnRow[], from: number, to: number): ColumnRow[] {
  if (from === to || from < 0 || to < 0 || from >= columns.length || to >= columns.length) return columns;
  const next = [...columns];
  const [moved] = next.splice(from, 1);
  if (moved) next.splice(to, 0, moved);
  return next;
}

/** Ordinals for the rows in form order: the ones they had while still in order, else 1..n. */
export function ordinals(columns: ColumnRow[]): number[] {
  const had = columns.map(ordinalOf);
  const inOrder = had.every((o, i) => Number.isInteger(o) && o >= 1 && (i === 0 || o > (had[i - 1] ?? 0)));
  return inOrder ? had : columns.map((_, i) => i + 1);
}

/** The manifest's `columns` as the form has them (each entry keeps the keys it had, in place). */
export function columnsOf(form: ManifestForm): JsonObject[] {
  const numbers = ordinals(form.columns);
  return form.columns.map((row, i) => ({
    ...row.raw,
    field: row.field.trim(),
    label: row.label,
    ordinal: numbers[i],
    required: row.required,
    enabled: row.enabled,
    synonyms: splitSynonyms(row.synonyms),
  }));
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** An engine setting as the manifest will hold it; undefined = not set; an Error = not a number. */
function engineValue(engine: EngineForm, key: EngineKey): unknown {
  if (key === 'include_source') return engine.include_source;
  if (key === 'unmapped_columns' || key === 'incomplete_tables' || key === 'output_sheet') {
    return engine[key] === '' ? undefined : engine[key];
  }
  const typed = engine.numbers[key].trim();
  if (typed === '') return undefined;
  const value = Number(typed);
  return Number.isFinite(value) ? value : new Error('Enter a number (or leave it blank for the default).');
}

export interface BuiltPatch {
  patch: JsonObject;
  /** Problems found before asking the server, by JSON pointer (e.g. `/engine/min_score`). */
  problems: Record<string, string[]>;
}

/**
 * The JSON merge patch (RFC 7396) taking `manifest` to the form: changed engine keys (null
 * removes one, so its default applies), the whole `columns` array when any column changed, and
 * each hook stage whose list changed.
 */
export function buildPatch(manifest: JsonObject, form: ManifestForm): BuiltPatch {
  const patch: JsonObject = {};
  const problems: Record<string, string[]> = {};
  const before = isJsonObject(manifest.engine) ? manifest.engine : {};
  const engine: JsonObject = {};
  for (const key of ENGINE_KEYS) {
    const value = engineValue(form.engine, key);
    if (value instanceof Error) problems[`/engine/${key}`] = [value.message];
    else if (key === 'include_source' && before[key] === undefined && value === false) continue;
    else if (!equal(value, before[key])) engine[key] = value ?? null;
  }
  if (Object.keys(engine).length > 0) patch.engine = engine;
  // Compared as the form writes them, so an array merely stored out of ordinal order (or
  // entries missing a default key) is no change.
  const columns = columnsOf(form);
  if (!equal(columns, columnsOf(formFromManifest(manifest)))) patch.columns = columns;
  const hooksBefore = isJsonObject(manifest.hooks) ? manifest.hooks : {};
  const hooks: JsonObject = {};
  for (const stage of HOOK_STAGES) {
    if (!equal(form.hooks[stage], hooksBefore[stage] ?? [])) hooks[stage] = form.hooks[stage];
  }
  if (Object.keys(hooks).length > 0) patch.hooks = hooks;
  return { patch, problems };
}

/** RFC 7396: what the server computes from a merge patch (for the JSON pane's preview). */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const base = isJsonObject(target) ? target : {};
  const merged = { ...base, ...Object.fromEntries(Object.entries(patch).map(([key, value]) => [key, applyMergePatch(base[key], value)])) };
  return Object.fromEntries(Object.entries(merged).filter(([key]) => patch[key] !== null));
}

/** A problem's `loc` (`["manifest", "columns", 2, "synonyms"]`) as a JSON pointer (`/columns/2/synonyms`). */
export function pointerOf(loc: FieldError['loc']): string {
  const parts = loc.length > 0 && (loc[0] === 'manifest' || loc[0] === 'body') ? loc.slice(1) : loc;
  return parts.map((p) => `/${String(p)}`).join('');
}

/** The pointers the form shows messages at: each input, each column row and each group. */
export function formPointers(form: ManifestForm): Set<string> {
  const at = new Set<string>(['/columns', '/engine', '/hooks']);
  form.columns.forEach((_, i) => {
    for (const name of ['', '/field', '/label', '/synonyms', '/required', '/enabled']) at.add(`/columns/${i}${name}`);
  });
  for (const key of ENGINE_KEYS) at.add(`/engine/${key}`);
  for (const stage of HOOK_STAGES) {
    at.add(`/hooks/${stage}`);
    form.hooks[stage].forEach((_, j) => at.add(`/hooks/${stage}/${j}`));
  }
  return at;
}

export interface PlacedProblems {
  /** Messages by the pointer of the input (or row, or group) that shows them. */
  at: Record<string, string[]>;
  /** Messages no part of the form can show (e.g. `/schema`, `/row_types/0/path`). */
  rest: string[];
}

/**
 * Place each problem on the exact input its pointer names, else on the nearest row or group
 * holding it (`/columns/2/path: file not found` shows on row 2 as "path: file not found").
 */
export function placeProblems(errors: FieldError[], form: ManifestForm): PlacedProblems {
  const known = formPointers(form);
  const placed: PlacedProblems = { at: {}, rest: [] };
  for (const error of errors) {
    const pointer = pointerOf(error.loc);
    let target = pointer;
    while (target !== '' && !known.has(target)) target = target.slice(0, target.lastIndexOf('/'));
    if (target === '') {
      placed.rest.push(pointer ? `${pointer.slice(1).replaceAll('/', '.')}: ${error.msg}` : error.msg);
      continue;
    }
    const inner = pointer.slice(target.length + 1).replaceAll('/', '.');
    (placed.at[target] ??= []).push(inner ? `${inner}: ${error.msg}` : error.msg);
  }
  return placed;
}
