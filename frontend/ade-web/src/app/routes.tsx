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

/** What a route shows, for the route table in docs/reference/routes.md (see routeTable.ts). */
export interface RouteHandle {
  summary: string;
}

function describe(summary: string): RouteHandle {
  return { summary };
}

function EditorRedirect() {
  const { workspaceId = '', configId = '' } = useParams();
  return <Navigate to={`/w/${workspaceId}/configs/${configId}/editor`} replace />;
}

export const routes: RouteObject[] = [
  {
    errorElement: <RouteError />,
    children: [
      { path: '/sign-in', element: page(SignInPage), handle: describe('Sign in (`?next=` returns to the page asked for)') },
      { path: '/setup', element: page(SetupPage), handle: describe('First run: the first administrator, with the setup token') },
      {
        element: <RequireAuth />,
        children: [
          { index: true, element: page(HomeRedirect), handle: describe('Home: to the last workspace, or to creating one') },
          {
            element: page(AppShell),
            children: [
              { path: '/account/api-keys', element: page(ApiKeysPage), handle: describe('Your API keys: create (secret shown once), list, revoke') },
              // The spelling of the editor's address.
              { path: '/workspaces/:workspaceId/configs/:configId/editor', element: <EditorRedirect />, handle: describe('Redirects to the editor\'s address') },
              {
                path: '/w/:workspaceId',
                element: page(WorkspaceLayout),
                children: [
                  { index: true, element: <Navigate to="documents" replace />, handle: describe('Redirects to the documents') },
                  { path: 'documents', element: page(DocumentsPage), handle: describe('Documents: upload, search, sort, latest job') },
                  { path: 'documents/:documentId', element: page(DocumentPage), handle: describe('A document: its jobs, run, source preview') },
                  { path: 'jobs', element: page(JobsPage), handle: describe('Jobs: filter by status, document, config; live') },
                  { path: 'jobs/:jobId', element: page(JobPage), handle: describe('A job: progress, timeline, results, downloads') },
                  { path: 'configs', element: page(ConfigsPage), handle: describe('Configs: create, import, duplicate, publish, activate, archive') },
                  { path: 'configs/:configId/editor', element: page(ConfigEditorPage), handle: describe('The config editor (`?view=code|manifest|dry-run|history`)') },
                  { path: 'members', element: page(MembersPage), handle: describe('Members and roles') },
                  { path: 'settings', element: page(WorkspaceSettingsPage), handle: describe('Workspace settings: rename, slug, delete') },
                  { path: '*', element: page(NotFoundPage), handle: describe('Not found (also: another workspace\'s resource)') },
                ],
              },
              { path: '*', element: page(NotFoundPage), handle: describe('Not found') },
            ],
          },
        ],
      },
    ],
  },
];
