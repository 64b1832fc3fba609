import { Navigate, Outlet, useLocation } from 'react-router';

import { lastEndReason } from '@/lib/session';
import { useSession } from '@/lib/useSession';

/** The sign-in url that returns to `location` afterwards. */
export function signInPath(location: { pathname: string; search: string; hash: string }): string {
  const next = `${location.pathname}${location.search}${location.hash}`;
  return next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}

/**
 * Renders its child routes only with a live session. Without one (never signed in, a 401 from
 * the API, the token's expiry) it sends the user to sign-in with `?next=` this page.
 */
export function RequireAuth() {
  const session = useSession();
  const location = useLocation();
  if (session === null) {
    // After a deliberate sign-out, start fresh; otherwise come back here after signing in.
    const to = lastEndReason() === 'signed-out' ? '/sign-in' : signInPath(location);
    return <Navigate to={to} replace />;
  }
  return <Outlet />;
}
