/** `npm run import:til-bot`: the command an operator runs, as a child process with the app's settings. */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listMonths, loadMonth } from '../../functions/app/monthStats.js';
import { openStoreFor } from '../../functions/app/openStore.js';
import { loadConfig } from '../../functions/config.js';
import { lockDataDir } from '../../functions/local/dataDirLock.js';
import { runTool } from '../support/runTool.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import { FIXTURE_DIR, tilTimestampJson, userInfoJson } from './tilBotFixture.js';

const CHANNEL = 'C0TIL2024';

function importTilBot(args: string[], env: Record<string, string>) {
  return runTool('functions/tools/importTilBotCli.ts', args, env);
}

let dataDir: TempDir;
beforeEach(async () => {
  dataDir = await makeTempDir('import-til-bot-cli');
});
afterEach(async () => {
  await dataDir.remove();
});

describe('import:til-bot', () => {
  it('imports into the store the app opens with the same settings, then finds everything already there', async () => {
    const env = { TIL_CHANNEL_ID: CHANNEL, DATA_DIR: dataDir.path };
    const first = await importTilBot(['--dir', FIXTURE_DIR], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`channel ${CHANNEL}, Asia/Seoul`);
    expect(first.stdout).toContain('weekly threads  19 (19 weeks, 2024-07 … 2024-11)');
    expect(first.stdout).toContain('replies         107: 105 with a link, 2 without');
    expect(first.stdout).toContain('late            2 ');
    expect(first.stdout).toContain('likes           807 ');
    expect(first.stdout).toContain('members         28');
    expect(first.stdout).toContain('documents       173 created, 0 already present, 0 differ');
    expect(first.stdout).toMatch(/note: .*\.has_link: a map of 7 user ids/);

    const store = await openStoreFor(loadConfig({ ...env, SLACK_SIGNING_SECRET: 'the-app-secret' }));
    try {
      expect(await listMonths(store, CHANNEL)).toEqual([
        '2024-11',
        '2024-10',
        '2024-09',
        '2024-08',
        '2024-07',
      ]);
    } finally {
      await store.close();
    }

    const second = await importTilBot(['--dir', FIXTURE_DIR], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('documents       0 created, 173 already present, 0 differ');
  });

  it('takes the channel from --channel over TIL_CHANNEL_ID', async () => {
    const result = await importTilBot(['--dir', FIXTURE_DIR, '--channel', 'C0OTHER01'], {
      DATA_DIR: dataDir.path,
    });
    expect(result.code).toBe(0);
    const store = await openStoreFor(
      loadConfig({ TIL_CHANNEL_ID: 'C0OTHER01', SLACK_SIGNING_SECRET: 'x', DATA_DIR: dataDir.path }),
    );
    try {
      expect(await listMonths(store, 'C0OTHER01')).toHaveLength(5);
    } finally {
      await store.close();
    }
  });

  it('stops with the problems listed, writing nothing, when the data is invalid', async () => {
    const timestamps = tilTimestampJson();
    (timestamps.timestamps['11'] as Record<string, string>)['1732494610.135169'] = 'TIL 12월 1주차';
    await writeFile(join(dataDir.path, 'til_timestamp.json'), JSON.stringify(timestamps));
    await writeFile(join(dataDir.path, 'user_info.json'), JSON.stringify(userInfoJson()));
    const result = await importTilBot(['--dir', dataDir.path], {
      TIL_CHANNEL_ID: CHANNEL,
      DATA_DIR: dataDir.path,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'til_timestamp.json $.timestamps["11"]["1732494610.135169"]: labelled "TIL 12월 1주차" under month 11',
    );
    expect(result.stdout).toBe('');
  });

  it('names a missing file and a file that is not JSON', async () => {
    const env = { TIL_CHANNEL_ID: CHANNEL, DATA_DIR: dataDir.path };
    const missing = await importTilBot(['--dir', dataDir.path], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cannot read .*til_timestamp\.json: ENOENT/);
    await writeFile(join(dataDir.path, 'til_timestamp.json'), '{"timestamps": ');
    const garbled = await importTilBot(['--dir', dataDir.path], env);
    expect(garbled.code).toBe(1);
    expect(garbled.stderr).toMatch(/til_timestamp\.json is not valid JSON/);
  });

  it('explains its usage and the settings it needs', async () => {
    const noDir = await importTilBot([], { TIL_CHANNEL_ID: CHANNEL });
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain('--dir is required\nusage: npm run import:til-bot -- --dir');
    const unknown = await importTilBot(['--dir', FIXTURE_DIR, '--chanel', 'C1'], { TIL_CHANNEL_ID: CHANNEL });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--chanel'");
    const noChannel = await importTilBot(['--dir', FIXTURE_DIR], { DATA_DIR: dataDir.path });
    expect(noChannel.code).toBe(1);
    expect(noChannel.stderr).toContain('TIL_CHANNEL_ID is required');
  });

  it('#18: refuses to import while a server holds DATA_DIR, naming the holder, and writes nothing', async () => {
    // This test process holds the lock, as a running npm start would.
    const lock = await lockDataDir(dataDir.path);
    try {
      const result = await importTilBot(['--dir', FIXTURE_DIR], {
        TIL_CHANNEL_ID: CHANNEL,
        DATA_DIR: dataDir.path,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`in use by process ${process.pid}`);
      expect(result.stderr).toMatch(/stop .*then import/i);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stdout).toBe('');
      expect(await readdir(dataDir.path)).toEqual(['LOCK']);
    } finally {
      await lock.release();
    }
  });

  it('#18: holds DATA_DIR while it writes and releases it after', async () => {
    const result = await importTilBot(['--dir', FIXTURE_DIR], {
      TIL_CHANNEL_ID: CHANNEL,
      DATA_DIR: dataDir.path,
    });
    expect(result.code).toBe(0);
    expect(await readdir(dataDir.path)).not.toContain('LOCK');
  });

  it('#18: explains the 👍 imported against those that count, each kind computed', async () => {
    const env = { TIL_CHANNEL_ID: CHANNEL, DATA_DIR: dataDir.path };
    const result = await importTilBot(['--dir', FIXTURE_DIR], env);
    expect(result.code).toBe(0);
    const line = result.stdout.split('\n').find((l) => l.startsWith('  likes'));
    const parts =
      /likes +(\d+) 👍 on the replies: (\d+) count, (\d+) are self-likes \(counted only with COUNT_SELF_LIKES=true\), (\d+) on replies without a link, (\d+) on late replies/.exec(
        line ?? '',
      );
    expect(parts, line).not.toBeNull();
    const [total, counted, self, unlinked, late] = parts!.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    expect(total).toBe(807);
    expect(counted + self + unlinked + late).toBe(total);

    // "count" is what the dashboard shows: the likes of every imported month added up.
    const config = loadConfig({ ...env, SLACK_SIGNING_SECRET: 'the-app-secret' });
    const store = await openStoreFor(config);
    try {
      let shown = 0;
      for (const month of await listMonths(store, CHANNEL)) {
        const { result: monthResult } = await loadMonth(store, config, month);
        shown += monthResult.weeks.reduce((sum, week) => sum + week.likes, 0);
      }
      expect(counted).toBe(shown);
    } finally {
      await store.close();
    }
  });
});
