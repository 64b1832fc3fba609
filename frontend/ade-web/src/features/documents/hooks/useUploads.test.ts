import { describe, expect, it } from 'vitest';

import { ApiError } from '@/api/errors';

import { nextToStart, uploadErrorMessage, type UploadItem } from './useUploads';

const item = (key: string, status: UploadItem['status']): UploadItem => ({
  key, name: `${key}.csv`, size: 10, status, loaded: 0, total: 10, error: null, documentId: null,
});

describe('uploads', () => {
  it('starts queued files only while fewer than the limit are uploading', () => {
    const items = [item('a', 'uploading'), item('b', 'queued'), item('c', 'queued'), item('d', 'queued'), item('e', 'failed')];
    expect(nextToStart(items, 3)).toEqual(['b', 'c']);
    expect(nextToStart(items, 1)).toEqual([]);
    expect(nextToStart([item('x', 'done'), item('y', 'queued')], 3)).toEqual(['y']);
  });

  it('says why a file was refused, with the API’s detail', () => {
    expect(uploadErrorMessage(new ApiError({ status: 413, detail: 'the document is over the 10-byte upload limit' }))).toBe(
      'Too large: the document is over the 10-byte upload limit',
    );
    expect(uploadErrorMessage(new ApiError({ status: 415, detail: 'a PDF is not a spreadsheet' }))).toBe(
      'Not a spreadsheet ADE reads: a PDF is not a spreadsheet',
    );
    expect(uploadErrorMessage(new ApiError({ status: 422 }))).toBe('Not a spreadsheet ADE reads');
    // A detail that already says it is not repeated after the same words.
    const said = "'notes.pdf' is not a spreadsheet ADE reads: the name must end in .xlsx, .xlsm, .xls, .ods, .csv, .tsv or .txt";
    expect(uploadErrorMessage(new ApiError({ status: 415, detail: said }))).toBe(said);
    expect(uploadErrorMessage(new ApiError({ status: 0, detail: 'Cannot reach the server.' }))).toBe('Cannot reach the server.');
  });
});
