/** Your text against the server's newer one (lazily loaded: default export). */
import styles from './ConfigEditor.module.css';
import { TextDiff } from './TextDiff';

export default function ConflictDiff({ path, theirs, mine }: { path: string; theirs: string; mine: string }) {
  return (
    <TextDiff
      path={path}
      before={theirs}
      after={mine}
      labels={{ before: `${path}, the server's version`, after: `${path}, yours` }}
      className={styles.diff}
      testId="conflict-diff"
    />
  );
}
