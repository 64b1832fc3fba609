export interface ManifestViewProps {
  workspaceId: string;
  configId: string;
  canEdit: boolean;
}

/** The manifest as a form beside the raw JSON (columns, engine settings, hooks). */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- a slot; its feature work fills it
export function ManifestView(_props: ManifestViewProps) {
  return <p>The manifest form is being built.</p>;
}
