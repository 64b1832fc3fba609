import { describe, expect, it } from 'vitest';

import { ApiError } from '@/api/errors';

import { configFormErrors, SLUG_FORMAT, slugErrors, suggestSlug } from './forms';

describe('suggestSlug', () => {
  it('makes a slug of the title', () => {
    expect(suggestSlug('Copy of Member Roster (2026)')).toBe('copy-of-member-roster-2026');
    expect(suggestSlug('  Café Übersicht  ')).toBe('cafe-ubersicht');
  });

  it('falls back to the file name without a title', () => {
    expect(suggestSlug('', 'Roster Config.zip')).toBe('roster-config');
    expect(suggestSlug('   ', 'Roster Config.zip')).toBe('roster-config');
    expect(suggestSlug('Members', 'Roster Config.zip')).toBe('members');
    expect(suggestSlug('')).toBe('');
  });
});

describe('slugErrors', () => {
  it('accepts what the API accepts and says what is wrong otherwise', () => {
    expect(slugErrors('roster-2')).toEqual([]);
    expect(slugErrors('')).toEqual([]); // nothing typed yet: the submit button waits
    for (const bad of ['Roster', '-roster', 'roster-', 'ros ter', 'a'.repeat(65)]) {
      expect(slugErrors(bad)).toEqual([SLUG_FORMAT]);
    }
  });
});

describe('configFormErrors', () => {
  it('puts a taken slug under the slug', () => {
    const taken = new ApiError({ status: 409, detail: "the slug 'roster' is taken in this workspace" });
    const errors = configFormErrors(taken, ['title']);
    expect(errors.field('slug')).toEqual(["the slug 'roster' is taken in this workspace"]);
    expect(errors.form).toBeNull();
  });

  it('keeps other conflicts for the whole form', () => {
    const other = new ApiError({ status: 409, detail: 'a config package needs a manifest.json' });
    const errors = configFormErrors(other, ['title', 'file']);
    expect(errors.field('slug')).toEqual([]);
    expect(errors.form).toBe(other);
  });

  it('puts validation errors under their inputs, and the rest under the form', () => {
    const invalid = new ApiError({
      status: 422,
      errors: [
        { loc: ['body', 'title'], msg: 'String should have at least 1 character' },
        { loc: ['body', 'version_id'], msg: 'String should have at least 26 characters' },
      ],
    });
    const placed = configFormErrors(invalid, ['title', 'version_id']);
    expect(placed.field('title')).toEqual(['String should have at least 1 character']);
    expect(placed.field('version_id')).toEqual(['String should have at least 26 characters']);
    expect(placed.form).toBeNull();
    // A form without a version input shows that one for the whole form.
    expect(configFormErrors(invalid, ['title']).form).toBe(invalid);
  });
});
