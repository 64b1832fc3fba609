export interface PublishActionProps {
  workspaceId: string;
  configId: string;
  /** Unsaved files block publishing: what is published is what the server has. */
  unsaved: boolean;
}

/** The Publish button and dialog {semver, message}, with the diff against the published version. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- a slot; its feature work fills it
export function PublishAction(_props: PublishActionProps) {
  return null;
}
