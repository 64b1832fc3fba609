/**
 * Semantic versions as the API takes them (backend/ade-api/src/ade_api/configs/schemas.py,
 * SEMVER_PATTERN: Semantic Versioning 2.0.0, no leading "v", at most 64 characters), and the
 * versions to suggest when publishing.
 */

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const SEMVER_MAX = 64;

/** Whether the API accepts this semver (the same pattern and length). */
export function isSemver(value: string): boolean {
  return value.length <= SEMVER_MAX && SEMVER.test(value);
}

/** Why the API would refuse `value` as a semver, or null when it takes it. */
export function semverProblem(value: string): string | null {
  if (value === '') return 'Enter a version, e.g. 1.2.0.';
  if (value.length > SEMVER_MAX) return `At most ${SEMVER_MAX} characters.`;
  if (/^v\d/i.test(value)) return 'Leave out the “v”: e.g. 1.2.0.';
  if (!SEMVER.test(value)) return 'Use MAJOR.MINOR.PATCH, e.g. 1.2.0 (numbers without leading zeros).';
  return null;
}

export type Bump = 'patch' | 'minor' | 'major';

/** The release part (major, minor, patch) of a version, or null when it has none. */
function release(version: string | null | undefined): [number, number, number] | null {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

/** The next patch, minor or major release after `version` (1.0.0 when there is none). */
export function bumpSemver(version: string | null | undefined, bump: Bump): string {
  const parts = release(version);
  if (!parts) return '1.0.0';
  const [major, minor, patch] = parts;
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** The version to suggest when publishing: 1.0.0 first, then the next minor of the current one. */
export function nextSemver(published: string | null | undefined): string {
  return bumpSemver(published, 'minor');
}

/** The three suggestions after the published version (none before a first release: 1.0.0). */
export function semverSuggestions(published: string | null | undefined): { bump: Bump; version: string }[] {
  if (!release(published)) return [];
  return (['patch', 'minor', 'major'] as const).map((bump) => ({ bump, version: bumpSemver(published, bump) }));
}
