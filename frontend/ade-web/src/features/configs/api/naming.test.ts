import { describe, expect, it } from 'vitest';

import { isSlug, slugFromFileName } from './naming';

describe('slugFromFileName', () => {
  it('keeps letters and digits and joins the rest with dashes', () => {
    expect(slugFromFileName('Roster Config (v2).zip')).toBe('roster-config-v2');
    expect(slugFromFileName('membres-équipe.ZIP')).toBe('membres-equipe');
  });

  it('trims dashes and long names to what the API accepts', () => {
    expect(slugFromFileName('__weird__.zip')).toBe('weird');
    const long = slugFromFileName(`${'a'.repeat(63)}-b.zip`);
    expect(long).toBe('a'.repeat(63));
    expect(isSlug(long)).toBe(true);
    expect(slugFromFileName('!!!.zip')).toBe('');
  });
});

describe('isSlug', () => {
  it('follows the API rule', () => {
    expect(isSlug('roster')).toBe(true);
    expect(isSlug('a-1')).toBe(true);
    expect(isSlug('-a')).toBe(false);
    expect(isSlug('A')).toBe(false);
    expect(isSlug('')).toBe(false);
  });
});
