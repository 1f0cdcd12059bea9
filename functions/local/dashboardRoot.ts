import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built dashboard, `web/dist` at the repository root: found by walking up to package.json, because the local
 * server runs from `functions/local/` (tsx) and from `dist/functions/local/` (npm start) alike.
 */
export function dashboardRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'web', 'dist');
  }
  throw new Error(`no package.json above ${from}: cannot find the dashboard`);
}
