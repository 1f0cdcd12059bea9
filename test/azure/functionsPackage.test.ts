/**
 * The package Flex Consumption deploys (`npm run package` → dist/functionapp/), loaded as the Functions worker
 * loads it: in a fresh Node process, from a copy with no node_modules but a stand-in for `@azure/functions-core`
 * (the module the worker provides), which records what the app registers.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_ENV } from '../support/azureEnv.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const packageDir = fileURLToPath(new URL('../../dist/functionapp', import.meta.url));

const FAKE_CORE = `
const registered = [];
module.exports = {
  setProgrammingModel() {},
  getProgrammingModel() { return undefined; },
  registerHook() { return { dispose() {} }; },
  registerFunction(metadata) {
    registered.push(metadata);
    require('node:fs').writeFileSync(process.env.REGISTERED_FILE, JSON.stringify(registered));
    return { dispose() {} };
  },
  log() {},
};
`;

interface Binding {
  type: string;
  direction: string;
  [option: string]: unknown;
}
interface Registered {
  name: string;
  bindings: Record<string, Binding>;
}

let dir: TempDir;
let app: string;

/** Imports the package's main in a fresh node with only `env` (and PATH); returns what it registered. */
function load(env: Record<string, string>, options: { host?: boolean } = {}) {
  const registeredFile = join(dir.path, `registered-${Math.random().toString(36).slice(2)}.json`);
  const result = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { readFileSync } from 'node:fs'; const { main } = JSON.parse(readFileSync('package.json', 'utf8')); await import('./' + main);",
    ],
    {
      cwd: options.host === false ? join(dir.path, 'no-host') : app,
      env: { PATH: process.env.PATH ?? '', REGISTERED_FILE: registeredFile, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return {
    status: result.status,
    stderr: result.stderr,
    registered: async (): Promise<Registered[]> =>
      JSON.parse(await readFile(registeredFile, 'utf8').catch(() => '[]')) as Registered[],
  };
}

beforeAll(async () => {
  const entries = await readdir(packageDir).catch(() => {
    throw new Error(`${packageDir} is missing: run npm run package (npm test builds it first)`);
  });
  expect(entries).toContain('index.js');
  dir = await makeTempDir('functionapp');
  app = join(dir.path, 'app');
  await cp(packageDir, app, { recursive: true });
  // The worker's own module, and nothing else: the package must need no node_modules.
  const core = join(app, 'node_modules', '@azure', 'functions-core');
  await mkdir(core, { recursive: true });
  await writeFile(join(core, 'index.js'), FAKE_CORE);
  await writeFile(join(core, 'package.json'), '{"name":"@azure/functions-core","main":"index.js"}');
  // The same package outside a worker.
  await cp(packageDir, join(dir.path, 'no-host'), { recursive: true });
});

afterAll(async () => {
  await dir?.remove();
});

describe('the deployed Functions package', () => {
  it('is self-contained: its package.json names its entry and depends on nothing', async () => {
    const pkg = JSON.parse(await readFile(join(app, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('index.js');
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies).toBeUndefined();
    expect(JSON.parse(await readFile(join(app, 'host.json'), 'utf8'))).toEqual(
      JSON.parse(await readFile(fileURLToPath(new URL('../../host.json', import.meta.url)), 'utf8')),
    );
    const root = JSON.parse(
      await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
    );
    expect(root.main).toBe('dist/functionapp/index.js');
  });

  it('registers every function with the triggers the infrastructure expects', async () => {
    const loaded = load(AZURE_ENV);
    expect(loaded.stderr).not.toMatch(/Error/);
    expect(loaded.status).toBe(0);
    const registered = await loaded.registered();
    const trigger = (name: string) =>
      Object.values(registered.find((r) => r.name === name)?.bindings ?? {}).find(
        (b) => b.direction === 'in',
      );
    expect(registered.map((r) => r.name).sort()).toEqual([
      'dead-letter',
      'health',
      'history',
      'months',
      'ops-tick',
      'process-event',
      'scheduled-jobs',
      'slack-commands',
      'slack-events',
      'slack-interactions',
      'stats',
    ]);
    for (const name of [
      'slack-events',
      'slack-commands',
      'slack-interactions',
      'stats',
      'months',
      'history',
      'health',
      'ops-tick',
    ]) {
      expect(trigger(name), name).toMatchObject({ type: 'httpTrigger', authLevel: 'anonymous' });
    }
    expect(trigger('process-event')).toMatchObject({
      type: 'serviceBusTrigger',
      connection: 'ServiceBusConnection',
      queueName: '%SERVICEBUS_QUEUE%',
      isSessionsEnabled: true,
    });
    expect(trigger('dead-letter')).toMatchObject({
      type: 'serviceBusTrigger',
      connection: 'ServiceBusConnection',
      queueName: '%SERVICEBUS_QUEUE%/$deadletterqueue',
    });
    expect(trigger('dead-letter')?.isSessionsEnabled).toBeUndefined();
    expect(trigger('scheduled-jobs')).toMatchObject({ type: 'timerTrigger', schedule: '0 */5 * * * *' });
  });

  it('loads without the SDKs: Cosmos DB, Service Bus and identity are in chunks the entry imports on first use', async () => {
    const index = await readFile(join(app, 'index.js'), 'utf8');
    const staticChunks = new Set([...index.matchAll(/from\s*"\.\/(chunks\/[^"]+)"/g)].map((m) => m[1]));
    const trimmed = join(dir.path, 'trimmed');
    await cp(app, trimmed, { recursive: true });
    for (const chunk of await readdir(join(trimmed, 'chunks'))) {
      if (!staticChunks.has(`chunks/${chunk}`)) await rm(join(trimmed, 'chunks', chunk));
    }
    const remaining = await readdir(join(trimmed, 'chunks'));
    const sources = await Promise.all(remaining.map((c) => readFile(join(trimmed, 'chunks', c), 'utf8')));
    for (const source of [index, ...sources]) {
      expect(source).not.toContain('@azure/cosmos');
      expect(source).not.toContain('ServiceBusClient');
    }
    const registeredFile = join(dir.path, 'trimmed.json');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('./index.js')"], {
      cwd: trimmed,
      env: { PATH: process.env.PATH ?? '', REGISTERED_FILE: registeredFile, ...AZURE_ENV },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(await readFile(registeredFile, 'utf8'))).toHaveLength(11);
  });

  it('inside the worker, refuses to start on a misconfiguration, listing every problem, registering nothing', async () => {
    const { SERVICEBUS_QUEUE: _queue, COSMOS_ENDPOINT: _cosmos, ...incomplete } = AZURE_ENV;
    const loaded = load({ ...incomplete, POST_TIME: '25:00' });
    expect(loaded.status).not.toBe(0);
    expect(loaded.stderr).toMatch(/Invalid configuration/);
    for (const name of ['SERVICEBUS_QUEUE', 'COSMOS_ENDPOINT', 'POST_TIME'])
      expect(loaded.stderr).toContain(name);
    expect(await loaded.registered()).toEqual([]);
  });

  it('outside a worker (no @azure/functions-core), loads in test mode without reading the configuration', () => {
    const loaded = load({}, { host: false });
    expect(loaded.status).toBe(0);
    expect(loaded.stderr).toMatch(/test mode/);
  });
});

describe('.funcignore at the repository root', () => {
  it('keeps what the host loads (package.json main, host.json) and leaves out sources and node_modules', async () => {
    const patterns = (await readFile(fileURLToPath(new URL('../../.funcignore', import.meta.url)), 'utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(patterns.some((p) => p.startsWith('!'))).toBe(false);
    const glob = (pattern: string) =>
      new RegExp(`(^|/)${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
    const ignored = (path: string) => patterns.some((p) => glob(p).test(path));
    for (const kept of [
      'package.json',
      'host.json',
      'dist/functionapp/index.js',
      'dist/functionapp/chunks/a.js',
    ]) {
      expect(ignored(kept), kept).toBe(false);
    }
    for (const left of [
      'node_modules/zod/index.js',
      'functions/index.ts',
      'test/a.test.ts',
      'web/src/App.tsx',
    ]) {
      expect(ignored(left), left).toBe(true);
    }
  });
});
