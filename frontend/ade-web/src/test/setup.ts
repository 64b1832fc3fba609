import '@testing-library/jest-dom/vitest';

import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';

import { resetSession } from '@/lib/session';

import { server } from './server';

// Pages load lazily: the first render of a route can take a while on a busy machine.
configure({ asyncUtilTimeout: 5000 });

// jsdom has no canvas; axe-core probes one. Say "no canvas" instead of logging an error.
HTMLCanvasElement.prototype.getContext = () => null;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  resetSession();
  sessionStorage.clear();
  localStorage.clear();
});
afterAll(() => server.close());
