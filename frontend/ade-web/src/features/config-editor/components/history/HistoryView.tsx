export interface HistoryViewProps {
  workspaceId: string;
  configId: string;
  canEdit: boolean;
}

/** Every version (and discarded drafts) with a diff view between any two, revert and restore. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- a slot; its feature work fills it
export function HistoryView(_props: HistoryViewProps) {
  return <p>The history view is being built.</p>;
}
