import { TriangleAlert } from 'lucide-react';

import { CopyButton } from '@/components/CopyButton';

import type { ApiKeyCreated } from '../api/apiKeys';
import styles from './ApiKeySecret.module.css';

/** A new key's secret, shown this once: copy it now, it cannot be read again. */
export function ApiKeySecret({ apiKey }: { apiKey: ApiKeyCreated }) {
  return (
    <div className={styles.wrap}>
      <p className={styles.warning} role="note">
        <TriangleAlert size={16} aria-hidden className={styles.icon} />
        <span>Copy this key now and keep it somewhere safe. You will not be able to see it again.</span>
      </p>
      <div className={styles.secretRow}>
        <code className={styles.secret} aria-label="API key secret" tabIndex={0}>
          {apiKey.secret}
        </code>
        <CopyButton text={apiKey.secret} label="Copy key" />
      </div>
      <p className={styles.usage}>
        Send it as the <code>X-API-Key</code> header, e.g. <code>curl -H &quot;X-API-Key: …&quot;</code>.
      </p>
    </div>
  );
}
