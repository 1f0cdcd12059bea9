/**
 * The Slack app manifests in the repository (`slack-app-manifest.yaml` for HTTP, `…socket-mode.yaml` for a laptop):
 * what the self-check compares the token's granted scopes with, read from the file itself so a scope added to the
 * manifest is checked without anyone copying it here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import * as z from 'zod';

export const HTTP_MANIFEST = 'slack-app-manifest.yaml';
export const SOCKET_MODE_MANIFEST = 'slack-app-manifest.socket-mode.yaml';

const manifestSchema = z.looseObject({
  oauth_config: z.looseObject({
    scopes: z.looseObject({ bot: z.array(z.string()).default([]) }),
  }),
  settings: z.looseObject({}).optional(),
});
export type AppManifest = z.infer<typeof manifestSchema>;

/** The manifest's YAML, parsed and checked for the part the app reads (its bot scopes). */
export function parseManifest(text: string): AppManifest {
  return manifestSchema.parse(parse(text));
}

/**
 * The directory holding `name`, from this module's own folder upwards: the repository root for `npm start`, tsx
 * and the tests, `dist/functionapp/` in Azure (the package step copies the manifest there).
 */
export function findManifest(name: string = HTTP_MANIFEST): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function readManifest(path: string): AppManifest {
  return parseManifest(readFileSync(path, 'utf8'));
}

/** The bot scopes the HTTP manifest asks for (the Socket Mode manifest asks for the same; a test says so). */
export function manifestBotScopes(path: string | undefined = findManifest()): string[] | undefined {
  return path === undefined ? undefined : readManifest(path).oauth_config.scopes.bot;
}
