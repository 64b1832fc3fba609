export interface AddColumnDialogProps {
  workspaceId: string;
  configId: string;
  /** Called with the new column's file path once it exists. */
  onAdded: (path: string) => void;
  onClose: () => void;
}

/** The Add Column wizard: one request creates `columns/<field>.py` and the manifest entry. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- a slot; its feature work fills it
export function AddColumnDialog(_props: AddColumnDialogProps) {
  return null;
}
