import { setupServer } from 'msw/node';

/** The test API: each test adds the handlers it needs (`server.use(handle(...))`). */
export const server = setupServer();
