import { Check, ChevronsUpDown, Plus } from 'lucide-react';

import { Menu, MenuItem, MenuSeparator } from '@/components/Menu';

import type { Workspace } from '../api/workspaces';
import styles from './WorkspaceSwitcher.module.css';

export interface WorkspaceSwitcherProps {
  workspaces: Workspace[];
  current: Workspace | undefined;
  onSelect: (workspace: Workspace) => void;
  onCreate: () => void;
}

function initials(name: string): string {
  return name.trim().slice(0, 1).toUpperCase() || '?';
}

/** The header's workspace menu: switch to another workspace, or create one. */
export function WorkspaceSwitcher({ workspaces, current, onSelect, onCreate }: WorkspaceSwitcherProps) {
  return (
    <Menu
      label="Workspaces"
      trigger={
        // The name a screen reader hears holds the visible text (axe: label-content-name-mismatch).
        <button type="button" className={styles.trigger}>
          <span className={styles.avatar} aria-hidden>
            {initials(current?.name ?? '')}
          </span>
          <span className="visually-hidden">Workspace: </span>
          <span className={styles.name}>{current?.name ?? 'Choose a workspace'}</span>
          <span className="visually-hidden">. Switch workspace</span>
          <ChevronsUpDown size={14} aria-hidden className={styles.chevron} />
        </button>
      }
    >
      {workspaces.map((workspace) => (
        <MenuItem
          key={workspace.id}
          checked={workspace.id === current?.id}
          onSelect={() => onSelect(workspace)}
          icon={workspace.id === current?.id ? <Check size={14} /> : <span className={styles.spacer} />}
        >
          {workspace.name}
        </MenuItem>
      ))}
      <MenuSeparator />
      <MenuItem onSelect={onCreate} icon={<Plus size={14} />}>
        Create workspace
      </MenuItem>
    </Menu>
  );
}
