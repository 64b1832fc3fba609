import { CircleAlert, CircleCheck } from 'lucide-react';

import { Spinner } from '@/components/Spinner';
import { ProblemMessage } from '@/components/ProblemMessage';

import type { Plan, PlanProblem } from '../api/drafts';
import styles from './ConfigEditor.module.css';

/** Where a plan problem is: its file (or the manifest for a JSON path) and line. */
export function problemLocation(problem: PlanProblem): { file: string; line: number } {
  return { file: problem.file ?? 'manifest.json', line: problem.line ?? 1 };
}

/** The draft's plan: each problem, a click away from its file and line. */
export function ProblemsPanel({
  plan,
  pending,
  error,
  onJump,
}: {
  plan: Plan | undefined;
  pending: boolean;
  error: unknown;
  onJump: (file: string, line: number) => void;
}) {
  const problems = plan?.problems ?? [];
  return (
    <section className={styles.problems} aria-labelledby="problems-title">
      <h2 id="problems-title" className={styles.panelTitle}>
        Problems {plan && <span className={styles.count}>{problems.length}</span>}
        {pending && <Spinner size={12} label="Checking the draft" />}
      </h2>
      {error ? (
        <ProblemMessage error={error} />
      ) : plan && problems.length === 0 ? (
        <p className={styles.ok}>
          <CircleCheck size={14} aria-hidden /> The draft is valid.
        </p>
      ) : (
        <ul className={styles.problemList}>
          {problems.map((problem, index) => {
            const where = problemLocation(problem);
            return (
              <li key={index}>
                <button type="button" className={styles.problemButton} onClick={() => onJump(where.file, where.line)}>
                  <CircleAlert size={14} aria-hidden className={styles.problemIcon} />
                  <span className={styles.problemWhere}>
                    {problem.path ?? `${where.file}:${where.line}`}
                  </span>
                  <span>{problem.message}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
