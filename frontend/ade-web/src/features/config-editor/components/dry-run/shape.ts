/**
 * A dry run's answer shaped for the view: each table as the shared mapping explanation reads
 * it, its validation issues, the console (logged lines, then what config code printed), and
 * where a failure points in the draft.
 */
import type { MappedField, MappedTable } from '@/lib/mapping';

import type { DryRun, DryRunTable } from '../../api/dryRun';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A table's mapping entry; an odd one (hooks may write the artifact) is left out. */
function mappedField(value: unknown): MappedField | null {
  if (!isObject(value)) return null;
  const field = str(value.field);
  const column = str(value.column);
  if (field === null || column === null) return null;
  return { field, label: str(value.label) ?? field, column, header: str(value.header), score: num(value.score) };
}

/** The fields the table lacks although the config requires them. */
function requiredMissing(table: DryRunTable): string[] {
  return (table.table_issues ?? [])
    .filter((issue): issue is Json => isObject(issue) && issue.type === 'required_field_unmapped')
    .map((issue) => str(issue.field))
    .filter((field): field is string => field !== null);
}

/** A dry run's table as the shared mapping explanation (MappingTable) reads it. */
export function mappedTable(table: DryRunTable): MappedTable {
  return {
    id: table.id,
    columns: table.columns.map((column) => ({
      letter: column.letter,
      header: column.header,
      scores: column.scores,
      scoreParts: column.score_parts ?? {},
    })),
    mapping: table.mapping.map(mappedField).filter((m): m is MappedField => m !== null),
    mappingChangedBy: table.mapping_changed_by ?? [],
    unmappedFields: (table.unmapped_fields ?? []).filter((f): f is string => typeof f === 'string'),
    requiredMissing: requiredMissing(table),
  };
}

export interface TableIssues {
  /** Problems of the table as a whole (a required field not found). */
  messages: string[];
  /** Cell issues by output field, most first. */
  byField: { field: string; count: number }[];
  total: number;
}

/** A table's validation issues: its own problems and the counts of cell issues per field. */
export function tableIssues(table: DryRunTable): TableIssues {
  const messages = (table.table_issues ?? [])
    .map((issue) => (isObject(issue) ? str(issue.message) : null))
    .filter((m): m is string => m !== null);
  const issues = table.issues ?? {};
  const counts = isObject(issues.by_field) ? issues.by_field : {};
  const byField = Object.entries(counts)
    .map(([field, count]) => ({ field, count: num(count) ?? 0 }))
    .filter((entry) => entry.count > 0)
    .sort((a, b) => b.count - a.count || a.field.localeCompare(b.field));
  return { messages, byField, total: num(issues.count) ?? byField.reduce((n, e) => n + e.count, 0) };
}

export type ConsoleStream = 'log' | 'stdout' | 'stderr';

export interface ConsoleLine {
  stream: ConsoleStream;
  /** A log line's level (info, warning, error…); the stream's name for printed output. */
  level: string;
  text: string;
  /** Where a logged line came from (a config file), if known. */
  source: string | null;
}

function printed(text: string, stream: 'stdout' | 'stderr'): ConsoleLine[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines.map((line) => ({ stream, level: stream, text: line, source: null }));
}

/** The console of a run: the lines config code logged, then its stdout, then its stderr. */
export function consoleLines(run: DryRun): ConsoleLine[] {
  return [
    ...run.logs.map((log): ConsoleLine => ({ stream: 'log', level: log.level, text: log.message, source: log.source ?? null })),
    ...printed(run.stdout, 'stdout'),
    ...printed(run.stderr, 'stderr'),
  ];
}

export interface RunFailure {
  message: string;
  /** The draft file and line the failure points at, when it is config code's. */
  where: { file: string; line: number } | null;
}

/** Why a run did not succeed, and where in the draft (null for a run that succeeded). */
export function runFailure(run: DryRun): RunFailure | null {
  if (run.status === 'succeeded') return null;
  const error = run.error ?? {};
  const message = str(error.message) ?? `The run ended with status ${run.status}.`;
  const file = str(error.file);
  const line = num(error.line);
  return { message, where: file === null ? null : { file, line: line ?? 1 } };
}

const STATUS_LABELS: Record<string, string> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  timeout: 'Timed out',
  crashed: 'Crashed',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}
