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

export const job = (over: Partial<Schemas['JobOut']> = {}): Schemas['JobOut'] => ({
  id: 'J1',
  workspace_id: 'W1',
  document_id: 'D1',
  config_id: 'C1',
  config_version_id: 'V1',
  status: 'running',
  run_key: 'rk',
  cache_hit: false,
  cache_hit_of_id: null,
  flags: {},
  force: false,
  attempts: 1,
  queued_at: at,
  started_at: at,
  completed_at: null,
  cancel_requested_at: null,
  metrics: null,
  error: null,
  submitted_by_id: 'U1',
  created_at: at,
  updated_at: at,
  ...over,
});

export const jobEvent = (seq: number, type: string, payload: Record<string, unknown> = {}): Schemas['JobEventOut'] => ({
  seq,
  type,
  payload,
  created_at: at,
});

export const configVersion = (over: Partial<Schemas['VersionDetail']> = {}): Schemas['VersionDetail'] => ({
  version_id: 'V1',
  config_id: 'C1',
  status: 'published',
  semver: '1.0.0',
  message: null,
  files_hash: 'h',
  created_by_id: null,
  published_by_id: null,
  published_at: at,
  deprecated_at: null,
  created_at: at,
  updated_at: at,
  manifest: {},
  files: [],
  ...over,
});
