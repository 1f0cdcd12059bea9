/**
 * Settings from `.env` (functions/local/loadEnvFile.ts): read with Node's own parser, merged under the
 * environment (which wins), and `.env.example` lists exactly the settings functions/config.ts reads.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS } from '../../functions/config.js';
import { loadEnvFile } from '../../functions/local/loadEnvFile.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

let dir: TempDir | undefined;
afterEach(async () => {
  await dir?.remove();
  dir = undefined;
});

describe('.env', () => {
  it('fills in what the environment does not set; the environment wins; quotes, comments and export are read', async () => {
    dir = await makeTempDir('env-file');
    await writeFile(
      join(dir.path, '.env'),
      [
        '# the TIL channel',
        'TIL_CHANNEL_ID=C0FROMFILE',
        'SLACK_SIGNING_SECRET="from the file # not a comment"',
        'export LOG_LEVEL=debug',
        "WEEKLY_FOOTER='#til #weekly'",
        '',
      ].join('\n'),
    );
    const env: Record<string, string | undefined> = { TIL_CHANNEL_ID: 'C0FROMENV' };
    const loaded = loadEnvFile({ cwd: dir.path, env });
    expect(loaded.path).toBe(join(dir.path, '.env'));
    expect([...loaded.loaded].sort()).toEqual(['LOG_LEVEL', 'SLACK_SIGNING_SECRET', 'WEEKLY_FOOTER']);
    expect(env).toEqual({
      TIL_CHANNEL_ID: 'C0FROMENV',
      SLACK_SIGNING_SECRET: 'from the file # not a comment',
      LOG_LEVEL: 'debug',
      WEEKLY_FOOTER: '#til #weekly',
    });
    const config = loadConfig(env);
    expect(config).toMatchObject({ channelId: 'C0FROMENV', logLevel: 'debug', weeklyFooter: '#til #weekly' });
  });

  it('is optional: without a file nothing changes', async () => {
    dir = await makeTempDir('env-file');
    const env = { TIL_CHANNEL_ID: 'C0FROMENV' };
    expect(loadEnvFile({ cwd: dir.path, env })).toEqual({ loaded: [] });
    expect(env).toEqual({ TIL_CHANNEL_ID: 'C0FROMENV' });
  });

  it('.env.example names every setting functions/config.ts reads, and nothing else', () => {
    const text = readFileSync(join(repoRoot, '.env.example'), 'utf8');
    // Commented settings (`# NAME=default`) count: they keep their default.
    const uncommented = text.replace(/^# ?(?=[A-Za-z_][A-Za-z0-9_]*=)/gm, '');
    const named = Object.keys(parseEnv(uncommented));
    expect([...named].sort()).toEqual(SETTINGS.map((s) => s.name).sort());
  });

  it('is never committed', () => {
    const ignored = readFileSync(join(repoRoot, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain('.env');
  });
});
