/** One file's change between two versions (lazily loaded: default export). */
import type { FileChange } from '../../api/history';
import { TextDiff } from '../TextDiff';
import styles from './History.module.css';

export default function VersionDiffEditor({ change }: { change: FileChange }) {
  return (
    <TextDiff
      path={change.path}
      before={change.old_text ?? ''}
      after={change.new_text ?? ''}
      labels={{ before: `${change.path}, before`, after: `${change.path}, after` }}
      className={styles.monaco}
      testId="version-diff"
    />
  );
}
