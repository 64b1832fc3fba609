import { describe, expect, it } from 'vitest';

import { permissions } from './permissions';

describe('permissions', () => {
  it('follows the role ladder', () => {
    expect(permissions('viewer')).toEqual({ edit: false, manage: false });
    expect(permissions('editor')).toEqual({ edit: true, manage: false });
    expect(permissions('owner')).toEqual({ edit: true, manage: true });
    expect(permissions(undefined)).toEqual({ edit: false, manage: false });
  });
});
