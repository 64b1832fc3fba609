import { describe, expect, it } from 'vitest';

import { bumpSemver, isSemver, nextSemver, semverProblem, semverSuggestions } from './semver';

describe('isSemver', () => {
  it('takes what the API takes', () => {
    for (const ok of ['0.0.0', '1.2.3', '10.20.30', '1.0.0-beta.1', '1.0.0-rc.1+build.5', '1.0.0+20260101']) {
      expect(isSemver(ok)).toBe(true);
    }
  });

  it('refuses what the API refuses', () => {
    for (const bad of ['', '1', '1.2', 'v1.2.3', '01.2.3', '1.02.3', '1.2.3-', '1.2.3-01', '1.2.3 ', `1.0.0-${'a'.repeat(60)}`]) {
      expect(isSemver(bad)).toBe(false);
    }
  });
});

describe('semverProblem', () => {
  it('says what is wrong, or nothing', () => {
    expect(semverProblem('1.2.0')).toBeNull();
    expect(semverProblem('')).toMatch(/Enter a version/);
    expect(semverProblem('v1.2.0')).toMatch(/Leave out the “v”/);
    expect(semverProblem('1.2')).toMatch(/MAJOR\.MINOR\.PATCH/);
    expect(semverProblem('1'.repeat(65))).toMatch(/At most 64/);
  });
});

describe('bumpSemver and nextSemver', () => {
  it('bumps one part and resets the ones after it, dropping pre-release and build', () => {
    expect(bumpSemver('1.4.2', 'patch')).toBe('1.4.3');
    expect(bumpSemver('1.4.2', 'minor')).toBe('1.5.0');
    expect(bumpSemver('1.4.2', 'major')).toBe('2.0.0');
    expect(bumpSemver('2.9.3-beta.1+b7', 'patch')).toBe('2.9.4');
  });

  it('starts at 1.0.0 and then suggests the next minor version', () => {
    expect(nextSemver(null)).toBe('1.0.0');
    expect(nextSemver('1.0.0')).toBe('1.1.0');
    expect(nextSemver('2.9.3-beta.1')).toBe('2.10.0');
    expect(nextSemver('not a version')).toBe('1.0.0');
  });
});

describe('semverSuggestions', () => {
  it('offers the next patch, minor and major after the published version', () => {
    expect(semverSuggestions('1.0.0')).toEqual([
      { bump: 'patch', version: '1.0.1' },
      { bump: 'minor', version: '1.1.0' },
      { bump: 'major', version: '2.0.0' },
    ]);
    expect(semverSuggestions(null)).toEqual([]);
  });
});
