/**
 * A table's mapping explained, one row per source column: the field it became (or none), the
 * score, the runner-up field, and why — a header synonym, value detectors, or a hook that
 * changed the mapping. Shared by a job's results and the config editor's dry run.
 */

/** A source column as the engine scored it. */
export interface ScoredColumn {
  letter: string;
  header: string | null;
  /** Every field's total score for this column. */
  scores: Record<string, number>;
  /** Per field, what the score is made of: `synonyms` and each value detector's name. */
  scoreParts: Record<string, Record<string, number>>;
}

/** A field the table's mapping gave a column. */
export interface MappedField {
  field: string;
  label: string;
  column: string;
  header: string | null;
  score: number | null;
}

/** What a table's mapping explanation needs (a job artifact's table and a dry run's fit). */
export interface MappedTable {
  id: string;
  columns: ScoredColumn[];
  mapping: MappedField[];
  /** The hooks that changed the mapping (`hooks/….py`), if any. */
  mappingChangedBy: string[];
  unmappedFields: string[];
  /** Fields the config requires that the table lacks. */
  requiredMissing: string[];
}

export type ReasonKind = 'synonym' | 'detector' | 'hook';

export interface Reason {
  kind: ReasonKind;
  /** "Header synonym", a detector's name, or a hook's file. */
  label: string;
  /** What it added to the score (not for hooks). */
  score: number | null;
}

export interface Candidate {
  field: string;
  label: string;
  score: number;
}

export interface MappingRow {
  column: string;
  header: string | null;
  /** The field the column became; null when it stayed unmapped. */
  field: Candidate | null;
  /** The best other field (for an unmapped column: the best field it did not reach). */
  runnerUp: Candidate | null;
  reasons: Reason[];
}

function ranked(column: ScoredColumn): [string, number][] {
  return Object.entries(column.scores)
    .filter(([, score]) => score > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function reasonsFor(column: ScoredColumn, field: string): Reason[] {
  const parts = column.scoreParts[field] ?? {};
  return Object.entries(parts)
    .filter(([, score]) => score !== 0)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .map(([name, score]) =>
      name === 'synonyms'
        ? { kind: 'synonym', label: 'Header synonym', score }
        : { kind: 'detector', label: name, score },
    );
}

/**
 * The mapping rows of a table, in column order. A hook is named as a reason when the table's
 * mapping was changed by hooks and this column's field is not the one its scores favoured (or
 * it had no score for it at all): the hook, not the scores, decided.
 */
export function mappingRows(table: MappedTable): MappingRow[] {
  const labels = new Map(table.mapping.map((m) => [m.field, m.label]));
  const byColumn = new Map(table.mapping.map((m) => [m.column, m]));
  const labelOf = (field: string) => labels.get(field) ?? field;
  return table.columns.map((column) => {
    const mapped = byColumn.get(column.letter);
    const order = ranked(column);
    if (mapped === undefined) {
      const best = order[0];
      return {
        column: column.letter,
        header: column.header,
        field: null,
        runnerUp: best ? { field: best[0], label: labelOf(best[0]), score: best[1] } : null,
        reasons: [],
      };
    }
    const score = mapped.score ?? column.scores[mapped.field] ?? 0;
    const other = order.find(([field]) => field !== mapped.field);
    const reasons = reasonsFor(column, mapped.field);
    const favoured = order[0]?.[0];
    if (table.mappingChangedBy.length > 0 && (favoured !== mapped.field || reasons.length === 0)) {
      reasons.unshift(...table.mappingChangedBy.map((hook): Reason => ({ kind: 'hook', label: hook, score: null })));
    }
    return {
      column: column.letter,
      header: column.header ?? mapped.header,
      field: { field: mapped.field, label: mapped.label, score },
      runnerUp: other ? { field: other[0], label: labelOf(other[0]), score: other[1] } : null,
      reasons,
    };
  });
}

/** The fields no column was mapped to, the required ones first. */
export function unmatchedFields(table: MappedTable): { field: string; required: boolean }[] {
  const required = new Set(table.requiredMissing);
  return table.unmappedFields
    .map((field) => ({ field, required: required.has(field) }))
    .sort((a, b) => Number(b.required) - Number(a.required));
}

/** "0.85" — scores as the engine rounds them, without trailing zeros. */
export function formatScore(score: number): string {
  return String(Math.round(score * 100) / 100);
}
