import { useEffect } from 'react';

/** Set the tab's title to "<parts> · ADE" while the page is shown (screen readers announce it). */
export function useDocumentTitle(...parts: (string | undefined)[]): void {
  const title = [...parts.filter(Boolean), 'ADE'].join(' · ');
  useEffect(() => {
    const previous = document.title;
    document.title = title;
    return () => {
      document.title = previous;
    };
  }, [title]);
}
