import * as AlertDialog from '@radix-ui/react-alert-dialog';
import type { ReactNode } from 'react';

import { Button } from './Button';
import dialog from './Dialog.module.css';
import { ProblemMessage } from './ProblemMessage';

export interface ConfirmDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  /** Runs on confirm; the dialog stays open (showing `error`) until the caller closes it. */
  onConfirm: () => void;
  pending?: boolean;
  error?: unknown;
  destructive?: boolean;
  /** More than a sentence to weigh (e.g. the list of what an action changes), under the description. */
  children?: ReactNode;
}

/** Ask before an action that cannot be undone; the API's answer shows inside the dialog. */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  onConfirm,
  pending = false,
  error,
  destructive = true,
  children,
}: ConfirmDialogProps) {
  return (
    <AlertDialog.Root open={open} onOpenChange={onOpenChange}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className={dialog.overlay} />
        <AlertDialog.Content className={dialog.content}>
          <AlertDialog.Title className={dialog.title}>{title}</AlertDialog.Title>
          <AlertDialog.Description className={dialog.description}>{description}</AlertDialog.Description>
          {children !== undefined && <div className={dialog.body}>{children}</div>}
          {error !== undefined && error !== null && (
            <div className={dialog.body}>
              <ProblemMessage error={error} />
            </div>
          )}
          <div className={dialog.footer}>
            <AlertDialog.Cancel asChild>
              <Button disabled={pending}>Cancel</Button>
            </AlertDialog.Cancel>
            <Button variant={destructive ? 'danger' : 'primary'} loading={pending} onClick={onConfirm}>
              {confirmLabel}
            </Button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
