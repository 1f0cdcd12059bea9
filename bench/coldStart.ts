/**
 * Cold start: spawn → first 200 on a signed 👍 (polled every few ms on a port chosen beforehand) for the product
 * as `npm start` runs it (compiled) and as the tests start it (tsx, full run only), bolt and bare node; and the
 * bundled Azure entry imported in a fresh node (a copy of the package with a stand-in `@azure/functions-core`,
 * as test/azure/functionsPackage.test.ts loads it) against `node -e 0`. Alternating, median of 10 (5 in --quick).
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchContext, rotated } from './lib/context.js';
import { freePort, KIND_LABEL, type ServerKind, spawnServer, tempDataDir } from './lib/servers.js';
import { reactionBody, signedRequestBytes } from './lib/slackRequests.js';
import { ratio, spread, withRange } from './lib/stats.js';
import { newSection, type Section, table } from './report.js';

const FAKE_CORE = `
module.exports = {
  setProgrammingModel() {},
  getProgrammingModel() { return undefined; },
  registerHook() { return { dispose() {} }; },
  registerFunction() { return { dispose() {} }; },
  log() {},
};
`;

const AZURE_ENV = {
  TIL_CHANNEL_ID: 'C0TIL',
  SLACK_SIGNING_SECRET: 'signing-secret',
  COSMOS_ENDPOINT: 'https://til.documents.azure.com:443/',
  COSMOS_DATABASE: 'til',
  COSMOS_CONTAINER: 'challenge',
  ServiceBusConnection__fullyQualifiedNamespace: 'til.servicebus.windows.net',
  SERVICEBUS_QUEUE: 'slack-events',
  AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
};

/** One POST of `bytes`; resolves with the status, or 0 when the connection failed. */
function tryOnce(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const headEnd = bytes.indexOf('\r\n\r\n');
    const lines = bytes.toString('latin1', 0, headEnd).split('\r\n').slice(1);
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
    );
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/api/slack/events', headers, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(bytes.subarray(headEnd + 4));
  });
}

async function timeToFirst200(kind: ServerKind): Promise<number> {
  const port = await freePort();
  const dataDir = kind.startsWith('product') ? await tempDataDir('til-bench-cold') : undefined;
  const bytes = signedRequestBytes(
    reactionBody({
      eventId: `EvCold${port}${Date.now()}`,
      user: 'U0COLD',
      itemTs: `${Math.floor(Date.now() / 1000)}.000100`,
      itemUser: 'U0AUTHOR',
      eventTs: `${Math.floor(Date.now() / 1000)}.000200`,
      added: true,
    }),
  );
  const started = performance.now();
  const child = spawnServer(kind, { port, dataDir, probe: false });
  const output: string[] = [];
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  try {
    for (;;) {
      if (exitCode !== undefined) throw new Error(`${kind} exited with ${exitCode}: ${output.join('')}`);
      const status = await tryOnce(port, bytes);
      if (status === 200) return performance.now() - started;
      if (performance.now() - started > 60_000)
        throw new Error(`${kind}: no 200 within 60 s (last ${status})`);
      await new Promise((r) => setTimeout(r, 3));
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

/** Spawn → exit of `node <args>` in `cwd`; with `reportsImport`, also the ms the script itself printed. */
function timeNode(args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ wallMs: number; importMs?: number }>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (code !== 0)
        return reject(new Error(`node ${args.join(' ')} exited with ${code}: ${stderr.slice(0, 500)}`));
      const importMs = Number(/import-ms=([\d.]+)/.exec(stdout)?.[1]);
      resolve({ wallMs, importMs: Number.isFinite(importMs) ? importMs : undefined });
    });
  });
}

export async function coldStart(ctx: BenchContext): Promise<Section> {
  const section = newSection('Cold start');
  const times = ctx.quick ? 5 : 10;
  const kinds: ServerKind[] = ctx.quick
    ? ['product', 'bolt', 'bare']
    : ['product', 'product-tsx', 'bolt', 'bare'];
  const samples = new Map<ServerKind, number[]>(kinds.map((k) => [k, []]));
  for (let i = 0; i < times; i++) {
    for (const kind of rotated(kinds, i)) samples.get(kind)!.push(await timeToFirst200(kind));
  }
  ctx.log(
    `  cold start: ${kinds.map((k) => `${KIND_LABEL[k]} ${Math.round(spread(samples.get(k)!).median)} ms`).join(', ')}`,
  );
  const first200 = (k: ServerKind) => spread(samples.get(k) ?? []);
  section.rows.push({
    what: 'cold start, spawn → first 200 (local, compiled as npm start runs it)',
    product: withRange(first200('product'), ' ms'),
    peer: `bolt ${withRange(first200('bolt'), ' ms')}, bare ${withRange(first200('bare'), ' ms')}`,
    ratio: `${ratio(first200('product').median, first200('bolt').median)} bolt, ${ratio(first200('product').median, first200('bare').median)} bare`,
    goal: '≤ 2× bare',
    meets: first200('product').median <= 2 * first200('bare').median,
  });

  const azure = { wall: [] as number[], import: [] as number[], bare: [] as number[] };
  if (ctx.builds.functionApp) {
    const dir = await mkdtemp(join(tmpdir(), 'til-bench-functionapp-'));
    try {
      const app = join(dir, 'app');
      await cp(ctx.builds.functionApp, app, { recursive: true });
      const core = join(app, 'node_modules', '@azure', 'functions-core');
      await mkdir(core, { recursive: true });
      await writeFile(join(core, 'index.js'), FAKE_CORE);
      await writeFile(join(core, 'package.json'), '{"name":"@azure/functions-core","main":"index.js"}');
      const importScript =
        "const t = performance.now(); await import('./index.js'); console.log('import-ms=' + (performance.now() - t));";
      for (let i = 0; i < times; i++) {
        for (const which of rotated(['azure', 'bare'] as const, i)) {
          if (which === 'azure') {
            const { wallMs, importMs } = await timeNode(
              ['--input-type=module', '-e', importScript],
              app,
              AZURE_ENV,
            );
            azure.wall.push(wallMs);
            if (importMs !== undefined) azure.import.push(importMs);
          } else azure.bare.push((await timeNode(['-e', '0'], dir, {})).wallMs);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const [wall, bare, imported] = [spread(azure.wall), spread(azure.bare), spread(azure.import)];
    section.rows.push({
      what: 'Azure entry import (bundled, fresh node, spawn → exit)',
      product: `${withRange(wall, ' ms')} (the import itself ${withRange(imported, ' ms')})`,
      peer: `\`node -e 0\` ${withRange(bare, ' ms')}`,
      ratio: ratio(wall.median, bare.median),
      goal: '≤ 2× `node -e 0`',
      meets: wall.median <= 2 * bare.median,
    });
  } else
    section.notes.push('The Azure package could not be built (see the notes at the top): no import figure.');

  section.details.push(
    ...table(
      ['what', 'median ms (min–max)', 'samples'],
      [
        ...kinds.map((k) => [
          `${KIND_LABEL[k]}: spawn → first 200`,
          withRange(first200(k)),
          samples.get(k)!.length,
        ]),
        ['Azure entry: spawn → exit', withRange(spread(azure.wall)), azure.wall.length],
        ['Azure entry: the import inside the process', withRange(spread(azure.import)), azure.import.length],
        ['`node -e 0`: spawn → exit', withRange(spread(azure.bare)), azure.bare.length],
      ],
    ),
  );
  section.notes.push(
    'Each start on a fresh DATA_DIR (the product), dry run, SCHEDULER_INTERVAL_SECONDS=0, LOG_LEVEL=warn, no probe; the poll is a signed 👍 on a new connection every ~3 ms, so the figure is when the server first accepts an event durably, not when it prints its banner.',
    'The product is built into bench/.build from the measured tree (the last commit unless --worktree) as `npm start` builds it (tsc, then the local entry bundled by scripts/bundleLocal.mjs); "product (tsx)" is how the tests start it (transpiling at load). The Azure package is built by scripts/packageFunctions.mjs into bench/.build/functionapp and loaded with the Azure settings, as in the package test.',
  );
  return section;
}
