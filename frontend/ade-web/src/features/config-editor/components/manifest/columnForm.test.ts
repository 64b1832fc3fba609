import { ApiError } from '@/api/errors';

import { checkColumn, columnBody, defaultLabel, emptyColumn, placeColumnError } from './columnForm';

describe('checkColumn', () => {
  it('checks the field as the API does', () => {
    const check = (field: string) => checkColumn({ ...emptyColumn, field }, ['email']).field;
    expect(check('')).toBe('Enter a field name.');
    expect(check('Phone')).toMatch(/lowercase/);
    expect(check('2nd')).toMatch(/starting with a letter/);
    expect(check('has-dash')).toMatch(/lowercase/);
    expect(check('a'.repeat(65))).toBe('At most 64 characters.');
    expect(check('email')).toBe('The manifest already has a column email.');
    expect(check(' phone_2 ')).toBeUndefined();
  });

  it('checks label and synonym lengths', () => {
    const problems = checkColumn({ ...emptyColumn, field: 'x', label: 'L'.repeat(201), synonyms: `ok, ${'s'.repeat(201)}` }, []);
    expect(problems).toEqual({ label: 'At most 200 characters.', synonyms: 'Each synonym is at most 200 characters.' });
  });
});

it('builds the request, leaving a blank label to the API', () => {
  expect(columnBody({ field: ' phone ', label: ' ', synonyms: 'tel, mobile, tel', required: true, kind: 'phone' })).toEqual({
    field: 'phone',
    synonyms: ['tel', 'mobile'],
    required: true,
    kind: 'phone',
  });
  expect(columnBody({ ...emptyColumn, field: 'a', label: 'A' }).label).toBe('A');
  expect(defaultLabel('member_id')).toBe('Member Id');
});

describe('placeColumnError', () => {
  it('puts a conflict on the field', () => {
    const conflict = new ApiError({ status: 409, detail: "the manifest already has a column 'email'" });
    expect(placeColumnError(conflict)).toEqual({ at: { field: ["the manifest already has a column 'email'"] }, rest: null });
  });

  it('puts validation problems on their input and keeps the rest for the form', () => {
    const invalid = new ApiError({
      status: 422,
      errors: [
        { loc: ['body', 'field'], msg: 'String should match pattern' },
        { loc: ['body', 'synonyms', 1], msg: 'String should have at least 1 character' },
      ],
    });
    expect(placeColumnError(invalid)).toEqual({
      at: { field: ['String should match pattern'], synonyms: ['String should have at least 1 character'] },
      rest: null,
    });
    const manifest = new ApiError({ status: 400, detail: 'the manifest is invalid', errors: [{ loc: ['manifest', 'columns', 0, 'path'], msg: 'file not found' }] });
    expect(placeColumnError(manifest)).toEqual({ at: {}, rest: manifest });
    const plain = new Error('offline');
    expect(placeColumnError(plain).rest).toBe(plain);
  });
});
