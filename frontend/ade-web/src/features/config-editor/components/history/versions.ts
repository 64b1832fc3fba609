/**
 * The history's data, shaped for people: a version's label and author, the short files_hash,
 * which two sides to compare first, whether a revert or restore would keep the draft, and a
 * diff's file counts. Pure, so the rules are tested apart from React.
 */
import { formatDateTime } from '@/lib/format';

import { DRAFT, type FileChange, type Member, type Version } from '../../api/history';

/** "1.1.0", "Draft" or "Discarded draft" (a discarded draft has no semver): a table's label. */
export function versionLabel(version: Version): string {
  if (version.semver) return version.semver;
  return version.status === 'draft' ? 'Draft' : 'Discarded draft';
}

/** The version in a sentence: "1.1.0", "the draft", "the discarded draft of 6 Dec 2026, 19:31". */
export function versionPhrase(version: Version): string {
  if (version.semver) return version.semver;
  if (version.status === 'draft') return 'the draft';
  return `the discarded draft of ${formatDateTime(version.created_at)}`;
}

/** A picker's option: releases with their status, discarded drafts with their date. */
export function versionOption(version: Version): { value: string; label: string } {
  if (version.status === 'draft') return { value: DRAFT, label: 'Draft (current)' };
  if (!version.semver) return { value: version.version_id, label: `Discarded draft, ${formatDateTime(version.created_at)}` };
  return { value: version.version_id, label: `${version.semver} (${version.status})` };
}

/** The draft first (what is being worked on), then every other version as listed (newest first). */
export function draftFirst(versions: Version[]): Version[] {
  return [...versions.filter((v) => v.status === 'draft'), ...versions.filter((v) => v.status !== 'draft')];
}

/** The options of both diff pickers, the draft first. */
export function comparisonOptions(versions: Version[]): { value: string; label: string }[] {
  return draftFirst(versions).map(versionOption);
}

/** The first 12 hex digits of a files_hash: enough to tell versions apart at a glance. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

/** When it happened: a release's publishing time, a draft's or discarded draft's creation. */
export function versionTime(version: Version): string {
  return version.published_at ?? version.created_at;
}

/** Who published it (or made it): a member's name or email; someone who left is unnamed. */
export function versionAuthor(version: Version, members: Member[] | undefined): string | null {
  const id = version.published_by_id ?? version.created_by_id;
  if (id === null) return null;
  const member = members?.find((m) => m.user_id === id);
  if (!member) return members ? 'A former member' : null;
  return member.display_name ?? member.email;
}

/** The two sides a diff shows first: the published version against the draft (else the
 * newest other version against the draft); null when the draft is all there is. */
export function defaultComparison(versions: Version[]): { from: string; to: string } | null {
  const published = versions.find((v) => v.status === 'published');
  const other = published ?? versions.find((v) => v.status !== 'draft');
  return other ? { from: other.version_id, to: DRAFT } : null;
}

/** Whether replacing the draft (revert, restore) keeps it as a discarded version: it does when
 * no other version holds the same files, as the API decides (configs/history.py). `draftHash`
 * is the draft's files_hash as of now (e.g. from a fresh diff), else the listed draft's. */
export function draftWouldBeKept(versions: Version[], draftHash?: string): boolean {
  const hash = draftHash ?? versions.find((v) => v.status === 'draft')?.files_hash;
  if (hash === undefined) return false;
  return !versions.some((v) => v.status !== 'draft' && v.files_hash === hash);
}

/** What a revert or restore may act on: a revert needs a deprecated version; a restore any but the draft. */
export function canRevert(version: Version): boolean {
  return version.status === 'deprecated';
}

export function canRestore(version: Version): boolean {
  return version.status !== 'draft';
}

/** "2 changed, 1 added, 1 removed" (only the kinds present), or "No differences". */
export function changeSummary(files: FileChange[]): string {
  const parts = (['changed', 'added', 'removed'] as const)
    .map((kind) => [kind, files.filter((f) => f.change === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`);
  return parts.length ? parts.join(', ') : 'No differences';
}

/** The file to show: the one chosen if it is still in the diff, else the first. */
export function selectedChange(files: FileChange[], chosen: string | null): FileChange | undefined {
  return files.find((f) => f.path === chosen) ?? files[0];
}
