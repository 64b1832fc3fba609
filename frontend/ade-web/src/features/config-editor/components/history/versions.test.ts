import { describe, expect, it } from 'vitest';

import type { FileChange, Member, Version } from '../../api/history';
import {
  canRestore,
  canRevert,
  changeSummary,
  comparisonOptions,
  defaultComparison,
  draftFirst,
  draftWouldBeKept,
  selectedChange,
  shortHash,
  versionAuthor,
  versionLabel,
  versionPhrase,
  versionTime,
} from './versions';

const at = '2026-01-02T03:04:05Z';

const version = (over: Partial<Version> = {}): Version => ({
  version_id: 'V1',
  config_id: 'C1',
  status: 'published',
  semver: '1.0.0',
  message: null,
  files_hash: 'a'.repeat(64),
  created_by_id: 'U1',
  published_by_id: 'U1',
  published_at: at,
  deprecated_at: null,
  created_at: at,
  updated_at: at,
  ...over,
});

const draft = version({ version_id: 'VD', status: 'draft', semver: null, published_by_id: null, published_at: null, files_hash: 'd'.repeat(64) });
const v100 = version({ version_id: 'V1', status: 'deprecated', semver: '1.0.0', files_hash: '1'.repeat(64) });
const v110 = version({ version_id: 'V2', status: 'published', semver: '1.1.0', files_hash: '2'.repeat(64) });
const kept = version({ version_id: 'VK', status: 'discarded', semver: null, published_by_id: null, published_at: null, created_by_id: 'U2', files_hash: '3'.repeat(64) });

const change = (path: string, kind: FileChange['change']): FileChange => ({
  path,
  change: kind,
  old_sha256: null,
  new_sha256: null,
  binary: false,
  too_large: false,
});

describe('version labels', () => {
  it('names releases by semver, the draft as such, and a discarded draft by its date in a sentence', () => {
    expect([v110, draft, kept].map(versionLabel)).toEqual(['1.1.0', 'Draft', 'Discarded draft']);
    expect(versionPhrase(v110)).toBe('1.1.0');
    expect(versionPhrase(draft)).toBe('the draft');
    expect(versionPhrase(kept)).toMatch(/^the discarded draft of .*2026/);
  });

  it('lists the draft first in the pickers, then the rest, releases with their status', () => {
    expect(comparisonOptions([kept, v110, draft, v100])).toEqual([
      { value: 'draft', label: 'Draft (current)' },
      { value: 'VK', label: expect.stringMatching(/^Discarded draft, .*2026/) as string },
      { value: 'V2', label: '1.1.0 (published)' },
      { value: 'V1', label: '1.0.0 (deprecated)' },
    ]);
  });

  it('lists the draft first, then the rest as the API ordered them', () => {
    expect(draftFirst([kept, v110, draft, v100]).map((v) => v.version_id)).toEqual(['VD', 'VK', 'V2', 'V1']);
  });

  it('shortens the files hash and picks the time that matters', () => {
    expect(shortHash('0123456789abcdef')).toBe('0123456789ab');
    expect(versionTime(version({ published_at: '2026-03-01T00:00:00Z' }))).toBe('2026-03-01T00:00:00Z');
    expect(versionTime(draft)).toBe(at);
  });
});

describe('versionAuthor', () => {
  const members: Member[] = [{ user_id: 'U1', email: 'ada@example.org', display_name: 'Ada', role: 'owner', created_at: at }];

  it('names the publisher, else the maker, by name or email', () => {
    expect(versionAuthor(v110, members)).toBe('Ada');
    expect(versionAuthor(v110, [{ ...members[0]!, display_name: null }])).toBe('ada@example.org');
  });

  it('says when they left the workspace, and nothing before the members are known', () => {
    expect(versionAuthor(kept, members)).toBe('A former member');
    expect(versionAuthor(kept, undefined)).toBeNull();
    expect(versionAuthor(version({ created_by_id: null, published_by_id: null }), members)).toBeNull();
  });
});

describe('defaultComparison', () => {
  it('compares the published version with the draft', () => {
    expect(defaultComparison([draft, v110, v100])).toEqual({ from: 'V2', to: 'draft' });
  });

  it('falls back to the newest other version, and to nothing with only a draft', () => {
    expect(defaultComparison([draft, kept, v100])).toEqual({ from: 'VK', to: 'draft' });
    expect(defaultComparison([draft])).toBeNull();
  });
});

describe('draftWouldBeKept', () => {
  it('keeps a draft unlike every version, as the API does', () => {
    expect(draftWouldBeKept([draft, v110, v100])).toBe(true);
    expect(draftWouldBeKept([{ ...draft, files_hash: v110.files_hash }, v110, v100])).toBe(false);
    expect(draftWouldBeKept([v110])).toBe(false);
    // The draft changed since the list was read: its fresh hash decides.
    expect(draftWouldBeKept([draft, v110, v100], v100.files_hash)).toBe(false);
    expect(draftWouldBeKept([{ ...draft, files_hash: v110.files_hash }, v110], 'e'.repeat(64))).toBe(true);
  });

  it('reverts to deprecated versions only; restores any but the draft', () => {
    expect([draft, v110, v100, kept].map(canRevert)).toEqual([false, false, true, false]);
    expect([draft, v110, v100, kept].map(canRestore)).toEqual([false, true, true, true]);
  });
});

describe('diff file lists', () => {
  const files = [change('columns/a.py', 'changed'), change('columns/b.py', 'added'), change('manifest.json', 'changed'), change('old.py', 'removed')];

  it('counts the kinds of change present', () => {
    expect(changeSummary(files)).toBe('2 changed, 1 added, 1 removed');
    expect(changeSummary([change('x.py', 'added')])).toBe('1 added');
    expect(changeSummary([])).toBe('No differences');
  });

  it('shows the chosen file while it is in the diff, else the first', () => {
    expect(selectedChange(files, 'manifest.json')?.path).toBe('manifest.json');
    expect(selectedChange(files, 'gone.py')?.path).toBe('columns/a.py');
    expect(selectedChange(files, null)?.path).toBe('columns/a.py');
    expect(selectedChange([], null)).toBeUndefined();
  });
});
