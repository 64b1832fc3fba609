import { setupServer } from 'msw/node';

import { handle } from './http';

/**
 * The test API: each test adds the handlers it needs (`server.use(handle(...))`). By default
 * the server is already set up (sign-in asks `GET /setup` whether a first run is needed).
 */
export const server = setupServer(handle('get', '/api/v1/setup', () => ({ needed: false })));
