export interface DryRunViewProps {
  workspaceId: string;
  configId: string;
  canEdit: boolean;
}

/** Run the draft on a document in the sandbox and show the mapping preview, console and output. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- a slot; its feature work fills it
export function DryRunView(_props: DryRunViewProps) {
  return <p>The dry-run view is being built.</p>;
}
