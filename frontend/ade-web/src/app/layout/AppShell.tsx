import { FileSpreadsheet, KeyRound, ListChecks, Settings2, Users } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate, useParams } from 'react-router';

import { useLogout, useMe } from '@/features/auth/api/auth';
import { UserMenu } from '@/features/auth/components/UserMenu';
import { useWorkspaces } from '@/features/workspaces/api/workspaces';
import { WorkspaceSwitcher } from '@/features/workspaces/components/WorkspaceSwitcher';

import { CreateWorkspaceDialog } from './CreateWorkspaceDialog';
import { getLastWorkspace } from './lastWorkspace';
import { Logo } from './Logo';
import styles from './AppShell.module.css';

const WORKSPACE_NAV = [
  { to: 'documents', label: 'Documents', icon: FileSpreadsheet },
  { to: 'jobs', label: 'Jobs', icon: ListChecks },
  { to: 'configs', label: 'Configs', icon: Settings2 },
  { to: 'members', label: 'Members', icon: Users },
] as const;

/** The frame of every signed-in page: header (workspace switcher, account menu), side nav, content. */
export default function AppShell() {
  const { workspaceId } = useParams();
  const navigate = useNavigate();
  const me = useMe();
  const workspaces = useWorkspaces();
  const logout = useLogout();
  const [creating, setCreating] = useState(false);
  const main = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const first = useRef(true);
  // After client-side navigation, move focus to the new page (as a full page load would), so
  // keyboard and screen-reader users start at its top. Not on the first render.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (main.current === null) return;
    main.current.focus({ preventScroll: true });
    main.current.scrollTop = 0;
  }, [pathname]);
  const list = workspaces.data?.items ?? [];
  // On a workspace page, that workspace; elsewhere (e.g. account pages) the last one opened.
  const wanted = workspaceId ?? getLastWorkspace();
  const current = list.find((w) => w.id === wanted) ?? (workspaceId === undefined ? list[0] : undefined);

  return (
    <div className={styles.shell}>
      <a href="#main" className={styles.skip}>
        Skip to content
      </a>
      <header className={styles.header}>
        <NavLink to="/" className={styles.home} aria-label="ADE home">
          <Logo />
        </NavLink>
        <span className={styles.divider} aria-hidden>
          /
        </span>
        <WorkspaceSwitcher
          workspaces={list}
          current={current}
          onSelect={(w) => void navigate(`/w/${w.id}/documents`)}
          onCreate={() => setCreating(true)}
        />
        <div className={styles.spacer} />
        <UserMenu
          user={me.data}
          onApiKeys={() => void navigate('/account/api-keys')}
          onSignOut={() => logout.mutate()}
        />
      </header>
      <nav className={styles.sidebar} aria-label="Main">
        {current && (
          <>
            <p className={styles.section}>Workspace</p>
            {WORKSPACE_NAV.map(({ to, label, icon: Icon }) => (
              <NavLink key={to} to={`/w/${current.id}/${to}`} className={styles.link}>
                <Icon size={16} aria-hidden />
                {label}
              </NavLink>
            ))}
          </>
        )}
        <p className={styles.section}>Account</p>
        <NavLink to="/account/api-keys" className={styles.link}>
          <KeyRound size={16} aria-hidden />
          API keys
        </NavLink>
      </nav>
      <main id="main" ref={main} className={styles.main} tabIndex={-1}>
        <div className={styles.content}>
          <Outlet />
        </div>
      </main>
      <CreateWorkspaceDialog
        open={creating}
        onOpenChange={setCreating}
        onCreated={(w) => void navigate(`/w/${w.id}/documents`)}
      />
    </div>
  );
}
