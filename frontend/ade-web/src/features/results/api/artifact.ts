/**
 * The job's `artifact.json` (schema `ade.artifact/v1`, written by ade_engine; see
 * docs/reference/config-packages.md), read into typed values. The API serves the file as it is,
 * and config hooks may add to it, so nothing is assumed: every field is checked, and a missing
 * or odd one becomes an empty value rather than a crash.
 */

import type { MappedField, ScoredColumn } from '@/lib/mapping';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const obj = (value: unknown): Json => (isObject(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const strings = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === 'string');
const numbers = (value: unknown): number[] => list(value).filter((v): v is number => typeof v === 'number');

function numberMap(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(obj(value))) {
    const n = num(v);
    if (n !== null) out[key] = n;
  }
  return out;
}

export interface ArtifactColumn extends ScoredColumn {
  /** The field the column was mapped to, if any. */
  winner: string | null;
  winnerScore: number | null;
}

export type ArtifactMapping = MappedField;

export interface ArtifactTable {
  id: string;
  sheet: string;
  range: string;
  headerRows: number[];
  columns: ArtifactColumn[];
  mapping: ArtifactMapping[];
  /** The hooks that changed the mapping (`hooks/….py`), if any. */
  mappingChangedBy: string[];
  unmappedFields: string[];
  unmappedColumns: string[];
  /** Fields the config requires that the table lacks. */
  requiredMissing: string[];
  rows: { data: number; excluded: number; written: number };
  issues: number;
  status: string | null;
  reason: string | null;
  /** The rows of the output sheet this table became (1-based, inclusive). */
  outputRows: [number, number] | null;
}

export interface ArtifactError {
  type: string;
  message: string;
  file: string | null;
  line: number | null;
}

export interface Artifact {
  status: string;
  minScore: number | null;
  tables: ArtifactTable[];
  output: { sheet: string; columns: string[]; rows: number; issuesSheet: string } | null;
  passes: { name: string; elapsedMs: number | null }[];
  error: ArtifactError | null;
}

/** An error object (of an artifact or a job) as type, message, config file and line. */
export function readError(value: unknown): ArtifactError | null {
  if (!isObject(value)) return null;
  return {
    type: str(value.type) ?? 'error',
    message: str(value.message) ?? '',
    file: str(value.file),
    line: num(value.line),
  };
}

function readColumn(value: unknown): ArtifactColumn {
  const c = obj(value);
  const scoreParts: Record<string, Record<string, number>> = {};
  for (const [field, parts] of Object.entries(obj(c.score_parts))) scoreParts[field] = numberMap(parts);
  return {
    letter: str(c.letter) ?? '',
    header: str(c.header),
    scores: numberMap(c.scores),
    scoreParts,
    winner: str(c.winner),
    winnerScore: num(c.winner_score),
  };
}

function readMapping(value: unknown): ArtifactMapping | null {
  const m = obj(value);
  const field = str(m.field);
  const column = str(m.column);
  if (field === null || column === null) return null;
  return { field, label: str(m.label) ?? field, column, header: str(m.header), score: num(m.score) };
}

function readTable(sheet: string, value: unknown): ArtifactTable {
  const t = obj(value);
  const rows = obj(t.rows);
  const outputRows = numbers(t.output_rows);
  const [first, last] = outputRows;
  return {
    id: str(t.id) ?? '',
    sheet,
    range: str(t.range) ?? '',
    headerRows: numbers(t.header_rows),
    columns: list(t.columns).map(readColumn),
    mapping: list(t.mapping)
      .map(readMapping)
      .filter((m): m is ArtifactMapping => m !== null),
    mappingChangedBy: strings(t.mapping_changed_by),
    unmappedFields: strings(t.unmapped_fields),
    unmappedColumns: strings(t.unmapped_columns),
    requiredMissing: list(t.table_issues)
      .map(obj)
      .filter((issue) => issue.type === 'required_field_unmapped')
      .map((issue) => str(issue.field))
      .filter((field): field is string => field !== null),
    rows: { data: num(rows.data) ?? 0, excluded: num(rows.excluded) ?? 0, written: num(rows.written) ?? 0 },
    issues: num(obj(t.issues).count) ?? 0,
    status: str(t.status),
    reason: str(t.reason),
    outputRows: first !== undefined && last !== undefined ? [first, last] : null,
  };
}

/** Read a parsed artifact.json into typed values. */
export function readArtifact(value: unknown): Artifact {
  const a = obj(value);
  const output = isObject(a.output) ? a.output : null;
  return {
    status: str(a.status) ?? 'unknown',
    minScore: num(obj(a.settings).min_score),
    tables: list(a.sheets).flatMap((sheet) => {
      const s = obj(sheet);
      const name = str(s.name) ?? '';
      return list(s.tables).map((table) => readTable(name, table));
    }),
    output:
      output === null
        ? null
        : {
            sheet: str(output.sheet) ?? 'Normalized',
            columns: strings(output.columns),
            rows: num(output.rows) ?? 0,
            issuesSheet: str(output.issues_sheet) ?? 'Issues',
          },
    passes: list(a.passes).map((p) => {
      const pass = obj(p);
      return { name: str(pass.name) ?? '', elapsedMs: num(pass.elapsed_ms) };
    }),
    error: readError(a.error),
  };
}
