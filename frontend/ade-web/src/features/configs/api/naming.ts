/** Suggestions for the configs forms: a slug from a package's file name (semvers: src/lib/semver.ts). */

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
