import { PACKAGE_API, entryFor } from './packageApi';

describe('the config-package API table', () => {
  it('documents every callable with keyword-only arguments ending in **_', () => {
    for (const entry of PACKAGE_API.filter((e) => e.kind === 'function')) {
      expect(entry.detail).toMatch(/\(\*, .*\*\*_\)$/);
    }
  });

  it('finds the docs of a word, detectors by prefix', () => {
    expect(entryFor('detect_email_domain')?.name).toBe('detect_');
    expect(entryFor('column_index')?.detail).toBe('column_index: int');
    expect(entryFor('transform')?.kind).toBe('function');
    expect(entryFor('nothing_here')).toBeUndefined();
  });
});
