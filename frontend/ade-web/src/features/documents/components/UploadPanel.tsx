import { CheckCircle2, CircleAlert, FileSpreadsheet, UploadCloud, X } from 'lucide-react';
import { useId, useRef, useState, type DragEvent } from 'react';
import { Link } from 'react-router';

import { Button } from '@/components/Button';
import { READABLE_FILE_TYPES, READABLE_FILE_TYPES_HINT } from '@/lib/fileTypes';
import { formatBytes } from '@/lib/format';

import type { UploadItem } from '../hooks/useUploads';
import styles from './UploadPanel.module.css';

export interface UploadPanelProps {
  items: UploadItem[];
  onFiles: (files: File[]) => void;
  onCancel: (key: string) => void;
  onClear: () => void;
  hrefOf: (documentId: string) => string;
}

/** A drop zone and file picker for many spreadsheets, and each file's progress or error. */
export function UploadPanel({ items, onFiles, onCancel, onClear, hrefOf }: UploadPanelProps) {
  const input = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const [over, setOver] = useState(false);
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const files = Array.from(event.dataTransfer.files);
    if (files.length) onFiles(files);
  };
  const finished = items.some((item) => item.status !== 'queued' && item.status !== 'uploading');
  return (
    <section className={styles.panel} aria-label="Upload documents">
      <div
        className={[styles.zone, over ? styles.over : ''].join(' ')}
        onDragEnter={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragOver={(e) => e.preventDefault()}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <UploadCloud size={22} aria-hidden className={styles.zoneIcon} />
        <div>
          <p className={styles.zoneTitle}>Drop spreadsheets here</p>
          <p id={hintId} className={styles.zoneHint}>
            {READABLE_FILE_TYPES_HINT}, several at once.
          </p>
        </div>
        <Button variant="primary" size="sm" aria-describedby={hintId} onClick={() => input.current?.click()}>
          Choose files
        </Button>
        <input
          ref={input}
          type="file"
          multiple
          accept={READABLE_FILE_TYPES}
          hidden
          data-testid="upload-input"
          onChange={(event) => {
            const files = Array.from(event.target.files ?? []);
            event.target.value = '';
            if (files.length) onFiles(files);
          }}
        />
      </div>
      {items.length > 0 && (
        <>
          <ul className={styles.items} aria-label="Uploads">
            {items.map((item) => (
              <UploadRow key={item.key} item={item} onCancel={onCancel} hrefOf={hrefOf} />
            ))}
          </ul>
          {finished && (
            <div className={styles.footer}>
              <Button size="sm" variant="ghost" onClick={onClear}>
                Clear finished
              </Button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function UploadRow({ item, onCancel, hrefOf }: { item: UploadItem; onCancel: (key: string) => void; hrefOf: (id: string) => string }) {
  const percent = item.total > 0 ? Math.min(100, Math.round((item.loaded / item.total) * 100)) : 0;
  const active = item.status === 'queued' || item.status === 'uploading';
  return (
    <li className={[styles.item, styles[item.status]].join(' ')}>
      <FileSpreadsheet size={16} aria-hidden className={styles.fileIcon} />
      <div className={styles.itemBody}>
        <div className={styles.itemHead}>
          {item.documentId ? (
            <Link to={hrefOf(item.documentId)} className={styles.name}>
              {item.name}
            </Link>
          ) : (
            <span className={styles.name}>{item.name}</span>
          )}
          <span className={styles.size}>{formatBytes(item.size)}</span>
        </div>
        {item.status === 'failed' ? (
          <p className={styles.error} role="alert">
            <CircleAlert size={13} aria-hidden /> {item.error}
          </p>
        ) : item.status === 'done' ? (
          <p className={styles.ok}>
            <CheckCircle2 size={13} aria-hidden /> Uploaded
          </p>
        ) : item.status === 'cancelled' ? (
          <p className={styles.size}>Cancelled</p>
        ) : (
          <div
            className={styles.bar}
            role="progressbar"
            aria-label={`Uploading ${item.name}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={item.status === 'queued' ? 'Waiting' : `${percent}%`}
          >
            <span style={{ width: `${percent}%` }} />
          </div>
        )}
      </div>
      {active && (
        <Button size="sm" variant="ghost" aria-label={`Cancel ${item.name}`} onClick={() => onCancel(item.key)}>
          <X size={14} aria-hidden />
        </Button>
      )}
    </li>
  );
}
