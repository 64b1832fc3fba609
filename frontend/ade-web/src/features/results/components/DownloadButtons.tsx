import { Download } from 'lucide-react';

import { Button } from '@/components/Button';
import { ProblemMessage } from '@/components/ProblemMessage';

import type { DownloadKind } from '../api/results';
import styles from './Results.module.css';

const LABELS: Record<DownloadKind, string> = { xlsx: 'Workbook (.xlsx)', csv: 'CSV', artifact: 'artifact.json' };

/** Download the normalized workbook, its CSV and the artifact. */
export function DownloadButtons({
  kinds,
  pending,
  error,
  onDownload,
}: {
  kinds: DownloadKind[];
  /** The download in progress, if any. */
  pending: DownloadKind | null;
  error: unknown;
  onDownload: (kind: DownloadKind) => void;
}) {
  return (
    <div className={styles.downloads}>
      <div className={styles.downloadButtons} role="group" aria-label="Downloads">
        {kinds.map((kind) => (
          <Button
            key={kind}
            size="sm"
            variant={kind === 'xlsx' ? 'primary' : 'secondary'}
            loading={pending === kind}
            onClick={() => onDownload(kind)}
          >
            {pending !== kind && <Download size={14} aria-hidden />}
            {LABELS[kind]}
          </Button>
        ))}
      </div>
      {error !== null && error !== undefined && <ProblemMessage error={error} />}
    </div>
  );
}
