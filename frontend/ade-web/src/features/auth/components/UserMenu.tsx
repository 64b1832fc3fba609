import { KeyRound, LogOut } from 'lucide-react';

import { Menu, MenuItem, MenuSeparator } from '@/components/Menu';

import type { User } from '../api/auth';
import styles from './UserMenu.module.css';

export interface UserMenuProps {
  user: User | undefined;
  onApiKeys: () => void;
  onSignOut: () => void;
}

/** The header's account menu: who is signed in, their API keys, sign out. */
export function UserMenu({ user, onApiKeys, onSignOut }: UserMenuProps) {
  const name = user?.display_name ?? user?.email ?? '';
  return (
    <Menu
      align="end"
      label={user?.email}
      trigger={
        <button type="button" className={styles.trigger} aria-label={`Account menu${name ? ` for ${name}` : ''}`}>
          <span className={styles.avatar} aria-hidden>
            {name.slice(0, 1).toUpperCase() || '·'}
          </span>
        </button>
      }
    >
      <MenuItem onSelect={onApiKeys} icon={<KeyRound size={14} />}>
        API keys
      </MenuItem>
      <MenuSeparator />
      <MenuItem onSelect={onSignOut} icon={<LogOut size={14} />}>
        Sign out
      </MenuItem>
    </Menu>
  );
}
