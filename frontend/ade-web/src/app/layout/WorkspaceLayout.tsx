import { useEffect } from 'react';
import { Outlet, useParams } from 'react-router';

import { PageState } from '@/components/PageState';
import { useWorkspace } from '@/features/workspaces/api/workspaces';

import { NotFound } from '../routes/NotFoundPage';
import { setLastWorkspace } from './lastWorkspace';
import type { WorkspaceContext } from './useCurrentWorkspace';

/** Loads the workspace of `/w/:workspaceId`; an unknown or foreign one is a not-found page. */
export default function WorkspaceLayout() {
  const { workspaceId = '' } = useParams();
  const query = useWorkspace(workspaceId);
  const found = query.data?.id;
  useEffect(() => {
    if (found !== undefined) setLastWorkspace(found);
  }, [found]);
  return (
    <PageState query={query} loadingLabel="Loading workspace" notFound={<NotFound what="workspace" />}>
      {(workspace) => <Outlet context={{ workspace } satisfies WorkspaceContext} />}
    </PageState>
  );
}
