import { describe, expect, it } from 'vitest';

import { ApiError, apiErrorFrom, errorMessage, readApiError } from './errors';

describe('apiErrorFrom', () => {
  it('reads every problem-details field', () => {
    const error = apiErrorFrom(
      409,
      {
        type: 'https://ade.dev/problems/conflict',
        title: 'Conflict',
        status: 409,
        detail: 'A workspace needs at least one owner.',
        request_id: 'r-1',
      },
      null,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 409,
      type: 'https://ade.dev/problems/conflict',
      title: 'Conflict',
      detail: 'A workspace needs at least one owner.',
      requestId: 'r-1',
      errors: [],
    });
  });

  it('keeps field errors and finds them by field', () => {
    const error = apiErrorFrom(
      422,
      {
        title: 'Invalid input',
        detail: 'The request has 2 invalid fields.',
        errors: [
          { loc: ['body', 'email'], msg: 'value is not a valid email address' },
          { loc: ['body', 'password'], msg: 'String should have at least 8 characters' },
        ],
      },
      'from-header',
    );
    expect(error.fieldErrors('email')).toEqual(['value is not a valid email address']);
    expect(error.fieldErrors('name')).toEqual([]);
    expect(error.requestId).toBe('from-header');
  });

  it('stands in for an answer that is not problem details', () => {
    const error = apiErrorFrom(502, '<html>Bad gateway</html>', null);
    expect(error.status).toBe(502);
    expect(error.title).toBe('Server error');
    expect(errorMessage(error)).toBe('Server error');
  });

  it('ignores malformed field errors instead of failing', () => {
    const error = apiErrorFrom(400, { detail: 'Bad', errors: [null, { loc: 'x' }, { loc: ['query', 'sort'], msg: 'no' }] }, null);
    expect(error.errors).toEqual([
      { loc: [], msg: 'Invalid value' },
      { loc: ['query', 'sort'], msg: 'no' },
    ]);
  });
});

describe('errorMessage', () => {
  it('says the detail, then each field as "field: message"', () => {
    const error = new ApiError({
      status: 422,
      title: 'Invalid input',
      detail: 'The request has invalid fields.',
      errors: [
        { loc: ['body', 'slug'], msg: 'String should match pattern' },
        { loc: ['body', 'members', 0, 'role'], msg: 'Input should be owner, editor or viewer' },
        { loc: [], msg: 'Something general' },
      ],
    });
    expect(errorMessage(error)).toBe(
      [
        'The request has invalid fields.',
        'slug: String should match pattern',
        'members.0.role: Input should be owner, editor or viewer',
        'Something general',
      ].join('\n'),
    );
  });

  it('falls back to the title without a detail', () => {
    expect(errorMessage(new ApiError({ status: 403, title: 'Permission denied' }))).toBe('Permission denied');
  });

  it('explains a network failure and any other error', () => {
    expect(errorMessage(new TypeError('Failed to fetch'))).toMatch(/cannot reach the server/i);
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('??')).toBe('Something went wrong.');
  });
});

describe('readApiError', () => {
  it('parses the body of a problem response and its request id header', async () => {
    const response = new Response(JSON.stringify({ title: 'Not found', detail: 'No such document.' }), {
      status: 404,
      headers: { 'Content-Type': 'application/problem+json', 'X-Request-ID': 'abc' },
    });
    const error = await readApiError(response);
    expect(error).toMatchObject({ status: 404, detail: 'No such document.', requestId: 'abc' });
  });

  it('copes with an empty body', async () => {
    const error = await readApiError(new Response(null, { status: 500 }));
    expect(error).toMatchObject({ status: 500, title: 'Server error', detail: '' });
  });
});
