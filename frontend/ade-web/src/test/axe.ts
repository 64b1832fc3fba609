import axe from 'axe-core';
import { expect } from 'vitest';

/**
 * Fail on any axe-core violation in `container` (colour contrast is left to the browser tests:
 * jsdom does not lay out or paint).
 */
export async function expectNoAxeViolations(container: Element): Promise<void> {
  const results = await axe.run(container, {
    rules: { 'color-contrast': { enabled: false } },
  });
  const found = results.violations.map(
    (v) => `${v.impact ?? 'unknown'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(found).toEqual([]);
}
