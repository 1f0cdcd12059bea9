/**
 * The servers the bench compares, each a child process started the way its users start it: the product as
 * `npm start` runs it (the compiled functions/local/main.ts, or through tsx as the tests start it), a minimal
 * bolt app and a bare node:http server (bench/peers/). bench/probe.mjs, preloaded into each, answers samples of
 * CPU time, RSS and event-loop delay over IPC.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './build.js';

export const SIGNING_SECRET = 'bench-signing-secret-0123456789';
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const CHANNEL = 'C0BENCH01';

export type ServerKind = 'product' | 'product-tsx' | 'bolt' | 'bare';

export const KIND_LABEL: Record<ServerKind, string> = {
  product: 'product',
  'product-tsx': 'product (tsx)',
  bolt: 'bolt',
  bare: 'bare node',
};

export interface ProbeSample {
  cpuUs: number;
  rss: number;
  heapUsed: number;
  lagMaxMs: number;
  lagP99Ms: number;
  lagMeanMs: number;
  elu: number;
  /** The longest gap between ticks of a 5 ms timer, less 5 ms: the longest stall of the event loop. */
  stallMaxMs: number;
}

export interface ServerChild {
  kind: ServerKind;
  port: number;
  url: string;
  pid: number;
  output: string[];
  /** CPU, memory and event-loop delay since the last reset (reset: start a new window). */
  sample(reset?: boolean): Promise<ProbeSample>;
  /** Starts a CPU profile of the main thread; `stop` writes it to `path` (bench --profile). */
  profile(): Promise<{ stop(path: string): Promise<void> }>;
  kill(): Promise<void>;
}

export interface StartOptions {
  /** The product's DATA_DIR (a fresh temp dir when absent, removed at kill). */
  dataDir?: string;
  env?: Record<string, string>;
  /** Fixed port (cold start polls it before the server says anything); a free one by default. */
  port?: number;
  probe?: boolean;
  timeoutMs?: number;
}

let productMain = '';
let productSource = '';
/** Set once the functions are built (bench/lib/build.ts): the compiled main, and the tree it came from. */
export function setProduct(main: string, sourceRoot: string): void {
  productMain = main;
  productSource = sourceRoot;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const probeUrl = pathToFileURL(join(repoRoot, 'bench', 'probe.mjs')).href;

/** The command line and environment of a server kind (without the probe). */
export function commandOf(kind: ServerKind): string[] {
  switch (kind) {
    case 'product':
      if (!productMain) throw new Error('the product is not built (buildAll first)');
      return [productMain];
    case 'product-tsx':
      return ['--import', 'tsx', join(productSource, 'functions', 'local', 'main.ts')];
    case 'bolt':
      return [join('bench', 'peers', 'bolt.mjs')];
    case 'bare':
      return [join('bench', 'peers', 'bare.mjs')];
  }
}

export function productEnv(dataDir: string, port: number, env: Record<string, string> = {}) {
  return {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    DATA_DIR: dataDir,
    TIL_CHANNEL_ID: CHANNEL,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    ADMIN_TOKEN,
    SCHEDULER_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'warn',
    ...env,
  };
}

export async function tempDataDir(prefix = 'til-bench'): Promise<string> {
  return mkdtemp(join(tmpdir(), `${prefix}-`));
}

/** Spawns a server (no waiting): for cold starts, which time the spawn itself. */
export function spawnServer(
  kind: ServerKind,
  options: { port: number; dataDir?: string; env?: Record<string, string>; probe?: boolean },
): ChildProcess {
  const isProduct = kind === 'product' || kind === 'product-tsx';
  const env = isProduct
    ? productEnv(options.dataDir ?? '', options.port, options.env)
    : {
        PATH: process.env.PATH ?? '',
        PORT: String(options.port),
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        ...options.env,
      };
  const args = [...(options.probe ? ['--import', probeUrl] : []), ...commandOf(kind)];
  return spawn(process.execPath, args, {
    cwd: repoRoot,
    env,
    stdio: options.probe ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts a server and resolves once it says it listens. */
export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<ServerChild> {
  const isProduct = kind === 'product' || kind === 'product-tsx';
  const ownDataDir = isProduct && !options.dataDir ? await tempDataDir() : undefined;
  const dataDir = options.dataDir ?? ownDataDir;
  const port = options.port ?? (await freePort());
  const probe = options.probe ?? true;
  const child = spawnServer(kind, { port, dataDir, env: options.env, probe });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      output.push(line);
      if (output.length > 400) output.splice(0, 200);
    }
  };
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${kind} did not start within ${options.timeoutMs ?? 60_000} ms:\n${output.join('\n')}`),
      );
    }, options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      keep(chunk);
      if (/listening on http:\/\/localhost:\d+/.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let nextId = 0;
  const ask = <T>(request: { bench: string; [field: string]: unknown }, timeoutMs = 10_000) =>
    new Promise<T>((resolve, reject) => {
      if (!probe || exited) return reject(new Error(`${kind}: no probe (exited: ${exited})`));
      const id = ++nextId;
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`${kind}: probe did not answer ${request.bench} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: { bench?: string; id?: number } & T) => {
        if (message?.bench !== request.bench || message.id !== id) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.send({ ...request, id });
    });
  const sample = (reset = false) => ask<ProbeSample>({ bench: 'sample', reset });
  const profile = async () => {
    await ask({ bench: 'profile-start' });
    return { stop: async (path: string) => void (await ask({ bench: 'profile-stop', path }, 60_000)) };
  };

  return {
    kind,
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    output,
    sample,
    profile,
    async kill() {
      if (!exited) child.kill('SIGKILL');
      await exit;
      if (ownDataDir) await rm(ownDataDir, { recursive: true, force: true });
    },
  };
}

/** GET a JSON path of a server. */
export async function getJson<T>(
  server: { url: string },
  path: string,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`);
  const text = await res.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    body = text as T;
  }
  return { status: res.status, body };
}

/** Waits until the product's embedded queue has nothing pending; resolves with the time it took. */
export async function drained(server: { url: string }, timeoutMs: number, pollMs = 25): Promise<number> {
  const start = performance.now();
  for (;;) {
    const { body } = await getJson<{ pending?: number }>(server, '/api/health');
    if (body.pending === 0) return performance.now() - start;
    if (performance.now() - start > timeoutMs) {
      throw new Error(`the queue still has ${body.pending} pending after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A process's I/O counters (Linux /proc/<pid>/io): bytes it sent to the storage layer, write syscalls. */
export async function procIo(pid: number): Promise<{ writeBytes: number; syscw: number } | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1]);
    return { writeBytes: field('write_bytes'), syscw: field('syscw') };
  } catch {
    return undefined;
  }
}
