/**
 * The app's route table as text: every address a user can open and what it shows, from the
 * route objects' `handle`. docs/reference/routes.md holds a copy that routeTable.test.ts checks.
 */
import type { RouteObject } from 'react-router';

import type { RouteHandle } from './routes';

export interface RouteRow {
  path: string;
  summary: string;
}

function isHandle(value: unknown): value is RouteHandle {
  return typeof value === 'object' && value !== null && 'summary' in value && typeof value.summary === 'string';
}

function join(parent: string, path: string): string {
  if (path.startsWith('/')) return path;
  return `${parent.replace(/\/$/, '')}/${path}`;
}

/** Every route that renders something a user can address, depth first, with its full path. */
export function routeRows(routes: RouteObject[], parent = '/'): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const route of routes) {
    const path = route.index ? parent : route.path === undefined ? parent : join(parent, route.path);
    // A route with children is a layout: its own address is its index child's row.
    const addressable = route.index === true || (route.path !== undefined && route.children === undefined);
    if (addressable) {
      if (!isHandle(route.handle)) throw new Error(`The route ${path} has no handle with a summary`);
      rows.push({ path, summary: route.handle.summary });
    }
    if (route.children) rows.push(...routeRows(route.children, path));
  }
  return rows;
}

/** The table as aligned lines, the way `ade api routes` prints the API's. */
export function formatRouteRows(rows: RouteRow[]): string {
  const width = Math.max(...rows.map((row) => row.path.length));
  return rows.map((row) => `${row.path.padEnd(width)}  ${row.summary}`).join('\n') + '\n';
}
