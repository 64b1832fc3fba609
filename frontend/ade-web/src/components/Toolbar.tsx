import type { ReactNode } from 'react';

/** A row of filters above a list. */
export function Toolbar({ children }: { children: ReactNode }) {
  return <div style={{ display: 'flex', alignItems: 'center', gap: 8, marginBottom: 12, flexWrap: 'wrap' }}>{children}</div>;
}
