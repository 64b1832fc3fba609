import * as Dropdown from '@radix-ui/react-dropdown-menu';
import type { ReactNode } from 'react';

import styles from './Menu.module.css';

/** A dropdown menu: the trigger (a button, via asChild) and its items; arrow keys move. */
export function Menu({
  trigger,
  label,
  children,
  align = 'start',
}: {
  trigger: ReactNode;
  /** Shown as the menu's heading (optional). */
  label?: string;
  children: ReactNode;
  align?: 'start' | 'end';
}) {
  return (
    <Dropdown.Root>
      <Dropdown.Trigger asChild>{trigger}</Dropdown.Trigger>
      <Dropdown.Portal>
        <Dropdown.Content className={styles.content} align={align} sideOffset={6}>
          {label && <Dropdown.Label className={styles.label}>{label}</Dropdown.Label>}
          {children}
        </Dropdown.Content>
      </Dropdown.Portal>
    </Dropdown.Root>
  );
}

export function MenuItem({
  children,
  onSelect,
  icon,
  checked,
  asChild,
}: {
  children: ReactNode;
  onSelect?: () => void;
  icon?: ReactNode;
  /** Marks the current choice (e.g. the open workspace). */
  checked?: boolean;
  asChild?: boolean;
}) {
  return (
    <Dropdown.Item
      className={styles.item}
      onSelect={onSelect}
      asChild={asChild}
      aria-current={checked ? 'true' : undefined}
      data-checked={checked ? '' : undefined}
    >
      {asChild ? (
        children
      ) : (
        <>
          {icon && <span className={styles.icon}>{icon}</span>}
          <span className={styles.itemText}>{children}</span>
        </>
      )}
    </Dropdown.Item>
  );
}

export function MenuSeparator() {
  return <Dropdown.Separator className={styles.separator} />;
}
