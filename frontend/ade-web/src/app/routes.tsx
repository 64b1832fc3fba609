/**
 * The route table. Pages load with lazy(), so the sign-in page's JavaScript stays small; a page
 * module default-exports its component.
 */
import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { Navigate, useParams, type RouteObject } from 'react-router';

import { LoadingState } from '@/components/PageState';

import { RequireAuth } from './layout/RequireAuth';
import { RouteError } from './routes/RouteError';

function page(Component: LazyExoticComponent<ComponentType>) {
  return (
    <Suspense fallback={<LoadingState />}>
      <Component />
    </Suspense>
  );
}

const SignInPage = lazy(() => import('./routes/SignInPage'));
const SetupPage = lazy(() => import('./routes/SetupPage'));
const AppShell = lazy(() => import('./layout/AppShell'));
const WorkspaceLayout = lazy(() => import('./layout/WorkspaceLayout'));
const HomeRedirect = lazy(() => import('./routes/HomeRedirect'));
const DocumentsPage = lazy(() => import('./routes/DocumentsPage'));
const DocumentPage = lazy(() => import('./routes/DocumentPage'));
const JobsPage = lazy(() => import('./routes/JobsPage'));
const JobPage = lazy(() => import('./routes/JobPage'));
const ConfigsPage = lazy(() => import('./routes/ConfigsPage'));
const ConfigEditorPage = lazy(() => import('./routes/ConfigEditorPage'));
const MembersPage = lazy(() => import('./routes/MembersPage'));
const WorkspaceSettingsPage = lazy(() => import('./routes/WorkspaceSettingsPage'));
const ApiKeysPage = lazy(() => import('./routes/ApiKeysPage'));
const NotFoundPage = lazy(() => import('./routes/NotFoundPage'));

function EditorRedirect() {
  const { workspaceId = '', configId = '' } = useParams();
  return <Navigate to={`/w/${workspaceId}/configs/${configId}/editor`} replace />;
}

export const routes: RouteObject[] = [
  {
    errorElement: <RouteError />,
    children: [
      { path: '/sign-in', element: page(SignInPage) },
      { path: '/setup', element: page(SetupPage) },
      {
        element: <RequireAuth />,
        children: [
          { index: true, element: page(HomeRedirect) },
          {
            element: page(AppShell),
            children: [
              { path: '/account/api-keys', element: page(ApiKeysPage) },
              // The spelling of the editor's address.
              { path: '/workspaces/:workspaceId/configs/:configId/editor', element: <EditorRedirect /> },
              {
                path: '/w/:workspaceId',
                element: page(WorkspaceLayout),
                children: [
                  { index: true, element: <Navigate to="documents" replace /> },
                  { path: 'documents', element: page(DocumentsPage) },
                  { path: 'documents/:documentId', element: page(DocumentPage) },
                  { path: 'jobs', element: page(JobsPage) },
                  { path: 'jobs/:jobId', element: page(JobPage) },
                  { path: 'configs', element: page(ConfigsPage) },
                  { path: 'configs/:configId/editor', element: page(ConfigEditorPage) },
                  { path: 'members', element: page(MembersPage) },
                  { path: 'settings', element: page(WorkspaceSettingsPage) },
                  { path: '*', element: page(NotFoundPage) },
                ],
              },
              { path: '*', element: page(NotFoundPage) },
            ],
          },
        ],
      },
    ],
  },
];
