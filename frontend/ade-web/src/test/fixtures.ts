import type { components } from '@/api/generated/schema';

type Schemas = components['schemas'];
const at = '2026-01-02T03:04:05Z';

export const user = (over: Partial<Schemas['UserOut']> = {}): Schemas['UserOut'] => ({
  id: 'U1',
  email: 'ada@example.org',
  display_name: 'Ada',
  is_admin: false,
  created_at: at,
  ...over,
});

export const workspace = (over: Partial<Schemas['WorkspaceOut']> = {}): Schemas['WorkspaceOut'] => ({
  id: 'W1',
  name: 'Finance',
  slug: 'finance',
  role: 'owner',
  created_at: at,
  updated_at: at,
  ...over,
});

export const document = (over: Partial<Schemas['DocumentOut']> = {}): Schemas['DocumentOut'] => ({
  id: 'D1',
  workspace_id: 'W1',
  original_filename: 'roster.xlsx',
  file_type: 'xlsx',
  content_type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  size: 2048,
  sha256: 'ab'.repeat(32),
  uploaded_by_id: 'U1',
  created_at: at,
  updated_at: at,
  ...over,
});

export function page<T>(items: T[], total = items.length) {
  return { items, total, page: 1, page_size: 50 };
}
