import { Navigate } from 'react-router';

import { PageState } from '@/components/PageState';
import { useWorkspaces } from '@/features/workspaces/api/workspaces';

import { getLastWorkspace } from '../layout/lastWorkspace';
import { NoWorkspace } from './NoWorkspace';

/** `/`: the workspace the user had open last, else their first; none yet: create one. */
export default function HomeRedirect() {
  const query = useWorkspaces();
  return (
    <PageState query={query} loadingLabel="Loading workspaces">
      {(page) => {
        const last = getLastWorkspace();
        const target = page.items.find((w) => w.id === last) ?? page.items[0];
        if (target === undefined) return <NoWorkspace />;
        return <Navigate to={`/w/${target.id}/documents`} replace />;
      }}
    </PageState>
  );
}
