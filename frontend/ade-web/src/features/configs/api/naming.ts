/** Suggestions for the configs forms: a slug from a package's file name, the next semver. */

const SLUG_MAX = 64;

/** "Roster Config (v2).zip" -> "roster-config-v2": lower-case letters, digits and dashes. */
export function slugFromFileName(fileName: string): string {
  const stem = fileName.replace(/\.zip$/i, '');
  const slug = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, SLUG_MAX)
    .replace(/^-+|-+$/g, '');
  return slug;
}

/** Whether the API takes this slug: [a-z0-9-], 1-64, not starting or ending with a dash. */
export function isSlug(value: string): boolean {
  return /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/.test(value);
}

/** The version to suggest when publishing: 1.0.0 first, then the next minor of the current one. */
export function nextSemver(published: string | null | undefined): string {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(published ?? '');
  if (!match) return '1.0.0';
  return `${match[1]}.${Number(match[2]) + 1}.0`;
}
