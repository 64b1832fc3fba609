import styles from './ManifestView.module.css';

/** The id a control's `aria-describedby` names for its messages. */
export function messageId(scope: string, part: string): string {
  return `manifest-${scope}-${part}`.replace(/[^a-zA-Z0-9_-]/g, '-');
}

/** The messages the API (or the form) has for one input, row or group; nothing when there are none. */
export function Messages({ id, messages }: { id: string; messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <span id={id} className={styles.message}>
      {messages.join(' ')}
    </span>
  );
}
