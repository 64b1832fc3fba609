import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { RouteObject } from 'react-router';
import { describe, expect, it } from 'vitest';

import { formatRouteRows, routeRows } from './routeTable';
import { routes } from './routes';

// Tests run from the app's folder (npm test); import.meta.url is a dev-server URL under jsdom.
const DOCS = resolve(process.cwd(), '../../docs/reference/routes.md');

function webTable(markdown: string): string {
  const section = markdown.split('## Web app')[1] ?? '';
  const match = /```text\n([\s\S]*?)```/.exec(section);
  return match?.[1] ?? '';
}

describe('routeRows', () => {
  it('joins nested paths, gives an index its parent address and skips layouts', () => {
    const table: RouteObject[] = [
      { path: '/a', handle: { summary: 'A' } },
      {
        children: [
          {
            path: '/w/:id',
            children: [
              { index: true, handle: { summary: 'W home' } },
              { path: 'docs', handle: { summary: 'Docs' } },
              { path: '/abs', handle: { summary: 'Absolute' } },
            ],
          },
        ],
      },
    ];
    expect(routeRows(table)).toEqual([
      { path: '/a', summary: 'A' },
      { path: '/w/:id', summary: 'W home' },
      { path: '/w/:id/docs', summary: 'Docs' },
      { path: '/abs', summary: 'Absolute' },
    ]);
  });

  it('refuses a route without a summary, so no address goes undocumented', () => {
    expect(() => routeRows([{ path: '/secret' }])).toThrow('/secret has no handle');
  });

  it('aligns the summaries after the longest path', () => {
    expect(formatRouteRows([{ path: '/a', summary: 'A' }, { path: '/bbb', summary: 'B' }])).toBe('/a    A\n/bbb  B\n');
  });
});

describe('the route snapshot in docs/reference/routes.md', () => {
  it("is the app's route table (paste this output there when a route changes)", () => {
    const shown = webTable(readFileSync(DOCS, 'utf-8'));
    expect(shown).toBe(formatRouteRows(routeRows(routes)));
  });
});
