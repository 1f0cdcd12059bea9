/** `npm start` when its port is taken (#18): one clear line, exit 1, and the DATA_DIR lock released. */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL, SIGNING_SECRET, startLocalServer } from '../support/localServer.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function runServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/local/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      TIL_CHANNEL_ID: CHANNEL,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SCHEDULER_INTERVAL_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
}

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('til-port-in-use');
});
afterEach(async () => {
  await dir.remove();
});

describe('npm start on a port in use', () => {
  it('#18: says which port is taken and how to choose another, exits 1 and leaves no lock behind', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, resolve));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const result = await runServer({ PORT: String(port), DATA_DIR: dir.path });
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`port ${port} is already in use`);
      expect(lines[0]).toMatch(/PORT=\d+/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(await readdir(dir.path)).not.toContain('LOCK');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    // The same DATA_DIR starts at once on a free port.
    const server = await startLocalServer({ DATA_DIR: dir.path });
    expect(await server.stop()).toBe(0);
  });
});
