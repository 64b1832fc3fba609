/** How long a new API key lives: a few presets a person picks from, or never. */
export const EXPIRY_OPTIONS = [
  { value: 'never', label: 'Never' },
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
] as const;

export type Expiry = (typeof EXPIRY_OPTIONS)[number]['value'];

export function isExpiry(value: string): value is Expiry {
  return EXPIRY_OPTIONS.some((option) => option.value === value);
}

/** The `expires_at` the API takes (ISO-8601 in UTC), or null for a key that never expires. */
export function expiresAt(expiry: Expiry, now: number = Date.now()): string | null {
  if (expiry === 'never') return null;
  return new Date(now + Number(expiry) * 24 * 3600 * 1000).toISOString();
}
