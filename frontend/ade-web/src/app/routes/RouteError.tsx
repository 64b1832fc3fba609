import { isRouteErrorResponse, useRouteError } from 'react-router';

import { ProblemMessage } from '@/components/ProblemMessage';

/** Last resort for an error thrown while rendering a route: a message instead of a blank page. */
export function RouteError() {
  const error = useRouteError();
  const shown = isRouteErrorResponse(error) ? new Error(`${error.status} ${error.statusText}`) : error;
  return (
    <main style={{ maxWidth: 560, margin: '15vh auto', padding: 16 }}>
      <h1 style={{ fontSize: 18, marginBottom: 12 }}>Something went wrong</h1>
      <ProblemMessage error={shown} />
      <p style={{ marginTop: 12 }}>
        <a href="/">Reload the app</a>
      </p>
    </main>
  );
}
