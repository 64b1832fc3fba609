import type { ConsoleLine } from './shape';
import styles from './DryRun.module.css';

const STREAM_CLASS = { log: styles.logLine, stdout: styles.stdoutLine, stderr: styles.stderrLine } as const;

/** What the run logged and printed, in a monospace scroll box. */
export function ConsolePanel({ lines }: { lines: ConsoleLine[] }) {
  if (lines.length === 0) return <p className={styles.muted}>Config code logged and printed nothing.</p>;
  return (
    <div className={styles.console} role="log" aria-label="Console" tabIndex={0}>
      {lines.map((line, index) => (
        <div key={index} className={[styles.consoleLine, STREAM_CLASS[line.stream]].join(' ')} data-level={line.level}>
          <span className={styles.consoleLevel}>{line.level}</span>
          <span className={styles.consoleText}>
            {line.text}
            {line.source && <span className={styles.consoleSource}> — {line.source}</span>}
          </span>
        </div>
      ))}
    </div>
  );
}
