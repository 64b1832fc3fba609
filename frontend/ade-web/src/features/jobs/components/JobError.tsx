import { AlertTriangle, FileCode } from 'lucide-react';

import styles from './JobError.module.css';

export interface JobErrorInfo {
  type: string;
  message: string;
  file: string | null;
  line: number | null;
}

const num = (v: unknown) => (typeof v === 'number' ? v : null);
const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** A job's `error` object as type, message, config file and line. */
export function readJobError(error: Record<string, unknown> | null): JobErrorInfo | null {
  if (error === null) return null;
  return { type: str(error.type) ?? 'error', message: str(error.message) ?? '', file: str(error.file), line: num(error.line) };
}

const TYPES: Record<string, string> = {
  input: 'The file could not be read',
  config: 'The config is not valid',
  config_code: 'The config’s code failed',
  output: 'The output could not be written',
  internal: 'Internal error',
  Cancelled: 'Cancelled',
};

/** Why a job failed: the error type in words, its message, and where in the config. */
export function JobError({ error }: { error: JobErrorInfo }) {
  return (
    <div className={styles.error} role="alert">
      <AlertTriangle size={18} aria-hidden className={styles.icon} />
      <div>
        <p className={styles.title}>
          {TYPES[error.type] ?? 'The run failed'} <code className={styles.type}>{error.type}</code>
        </p>
        {error.message && <pre className={styles.message}>{error.message}</pre>}
        {error.file && (
          <p className={styles.where}>
            <FileCode size={14} aria-hidden />
            <span className="mono">
              {error.file}
              {error.line !== null && `:${error.line}`}
            </span>
            {error.line !== null && <span className={styles.muted}>line {error.line}</span>}
          </p>
        )}
      </div>
    </div>
  );
}
