/** `npm start` when its port is taken (#18): one clear line, exit 1, and the DATA_DIR lock released. */
import { readdir } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL, SIGNING_SECRET, startLocalServer } from '../support/localServer.js';
import { runTool } from '../support/runTool.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

function runServer(env: Record<string, string>) {
  return runTool('functions/local/main.ts', [], {
    TIL_CHANNEL_ID: CHANNEL,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SCHEDULER_INTERVAL_SECONDS: '0',
    ...env,
  });
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
