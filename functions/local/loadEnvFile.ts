/**
 * Settings from a `.env` file in the working directory, for `npm start`, the importer and the dead-letter tool:
 * parsed by Node's own `util.parseEnv` (the dotenv format: `NAME=value`, quotes, `#` comments, `export`), and
 * merged under the environment, which wins: a variable set in the shell or by the host is never replaced.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';

export const ENV_FILE = '.env';

export interface LoadedEnvFile {
  /** The file read, or undefined when there is none. */
  path?: string;
  /** The names taken from the file (those the environment did not set already). */
  loaded: string[];
}

/**
 * Reads `<cwd>/.env` into `env` (default: process.env), without overriding what `env` already has. A missing
 * file is no error: every setting may come from the environment instead.
 */
export function loadEnvFile(
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): LoadedEnvFile {
  const env = options.env ?? process.env;
  const path = resolve(join(options.cwd ?? process.cwd(), ENV_FILE));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { loaded: [] };
    throw error;
  }
  const loaded: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    loaded.push(name);
  }
  return { path, loaded };
}
