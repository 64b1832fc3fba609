import { describe, expect, it } from 'vitest';

import { ApiError } from './errors';
import { formErrors, problemSlug } from './formErrors';

const fields = ['email', 'password'] as const;

describe('formErrors', () => {
  it('has nothing to show without an error', () => {
    const result = formErrors(null, fields);
    expect(result.field('email')).toEqual([]);
    expect(result.form).toBeNull();
  });

  it('puts validation errors at their fields by loc', () => {
    const error = new ApiError({
      status: 422,
      detail: 'Invalid input',
      errors: [
        { loc: ['body', 'password'], msg: 'must be 8 to 1024 characters long' },
        { loc: ['email'], msg: 'must be an email address such as a@b.org' },
      ],
    });
    const result = formErrors(error, fields);
    expect(result.field('password')).toEqual(['must be 8 to 1024 characters long']);
    expect(result.field('email')).toEqual(['must be an email address such as a@b.org']);
    expect(result.form).toBeNull();
  });

  it('keeps the whole error for the form when a field error has no field here', () => {
    const error = new ApiError({
      status: 422,
      errors: [
        { loc: ['body', 'password'], msg: 'too short' },
        { loc: ['body'], msg: 'give exactly one of user_id and email' },
      ],
    });
    const result = formErrors(error, fields);
    expect(result.field('password')).toEqual(['too short']);
    expect(result.form).toBe(error);
  });

  it('places a whole-request problem where `place` says', () => {
    const error = new ApiError({
      status: 409,
      type: 'https://ade.dev/problems/conflict',
      detail: 'a user with this email exists',
    });
    const result = formErrors(error, fields, (e) => (problemSlug(e) === 'conflict' ? 'email' : null));
    expect(result.field('email')).toEqual(['a user with this email exists']);
    expect(result.form).toBeNull();
    expect(formErrors(error, fields, () => null).form).toBe(error);
  });

  it('shows other errors (network down) for the form', () => {
    const error = new TypeError('Failed to fetch');
    expect(formErrors(error, fields).form).toBe(error);
  });
});
