import { describe, expect, it } from 'vitest';

import { expiresAt, isExpiry } from './expiry';

describe('API key expiry', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('turns a preset into an ISO time with a timezone, or null for never', () => {
    expect(expiresAt('never', now)).toBeNull();
    expect(expiresAt('30', now)).toBe('2026-01-31T12:00:00.000Z');
    expect(expiresAt('365', now)).toBe('2027-01-01T12:00:00.000Z');
  });

  it('knows its presets', () => {
    expect(isExpiry('90')).toBe(true);
    expect(isExpiry('forever')).toBe(false);
  });
});
