// Gzipped JavaScript a first visit to a route loads before it can render: the entry and its
// static imports, plus the route's lazily loaded page modules and their static imports.
// Run after `npm run build`: `npm run size` (the target for sign-in: <= 250 KB).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const manifest = JSON.parse(readFileSync('dist/.vite/manifest.json', 'utf8'));
const ROUTES = {
  'sign-in': ['src/app/routes/SignInPage.tsx'],
  documents: [
    'src/app/layout/AppShell.tsx',
    'src/app/layout/WorkspaceLayout.tsx',
    'src/app/routes/DocumentsPage.tsx',
  ],
};

function closure(keys, seen = new Set()) {
  for (const key of keys) {
    if (seen.has(key)) continue;
    seen.add(key);
    closure(manifest[key]?.imports ?? [], seen);
  }
  return seen;
}

const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
let failed = false;
for (const [route, pages] of Object.entries(ROUTES)) {
  const files = [...closure([entry, ...pages])].map((key) => manifest[key].file);
  const bytes = files.reduce((sum, file) => sum + gzipSync(readFileSync(`dist/${file}`)).length, 0);
  const kb = (bytes / 1024).toFixed(1);
  console.log(`${route}: ${kb} KB gzipped JavaScript in ${files.length} files`);
  if (route === 'sign-in' && bytes > 250 * 1024) failed = true;
}
if (failed) {
  console.error('sign-in is over 250 KB gzipped');
  process.exit(1);
}
