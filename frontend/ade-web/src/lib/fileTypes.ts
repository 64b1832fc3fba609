/**
 * The file types a run reads, as the API accepts them for upload (`.tsv` and `.txt` are
 * delimited text like `.csv`; the reader finds the delimiter). One list for every picker.
 */
export const READABLE_FILE_TYPES = '.xlsx,.xlsm,.xls,.ods,.csv,.tsv,.txt';

/** The same, in words, for hints next to a picker. */
export const READABLE_FILE_TYPES_HINT =
  'Excel (.xlsx, .xlsm, .xls), OpenDocument (.ods) or delimited text (.csv, .tsv, .txt)';
