import { setupServer } from 'msw/node';

import { handle } from './http';

/**
 * The test API: each test adds the handlers it needs (`server.use(handle(...))`). By default
 * the server is already set up (sign-in asks `GET /setup` whether a first run is needed), and
 * a workspace's live event stream has nothing to say: it answers 204, which tells the app's
 * SSE helper not to reconnect (a test that follows live changes adds its own stream).
 */
export const server = setupServer(
  handle('get', '/api/v1/setup', () => ({ needed: false })),
  handle('get', '/api/v1/workspaces/{workspace_id}/events', () => new Response(null, { status: 204 })),
);
