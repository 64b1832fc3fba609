import { useState } from 'react';

import { suggestSlug } from '../api/forms';

/**
 * A config's title and slug as a form edits them: the slug follows the title (or, without
 * one, the package's file name) until the user types a slug of their own.
 */
export function useConfigName(initialTitle = '', fileName?: string) {
  const [title, setTitle] = useState(initialTitle);
  const [typedSlug, setSlug] = useState<string | null>(null);
  const slug = typedSlug ?? suggestSlug(title, fileName);
  return { title, setTitle, slug, setSlug };
}

export type ConfigName = ReturnType<typeof useConfigName>;
