/**
 * The local server (`functions/local/main.ts`, what `npm start` runs) as a child process, for the reliability
 * scenarios: like test/support/localServer.ts, plus what a scenario that kills, restarts and damages it needs to
 * see (is it alive, how did it exit, what did it print, did it refuse to start).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, CHANNEL, SIGNING_SECRET } from '../../support/localServer.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const STARTUP_TIMEOUT_MS = 60_000;

export { ADMIN_TOKEN, CHANNEL, SIGNING_SECRET };

export interface ServerProcess {
  url: string;
  pid: number;
  /** Every line it printed (stdout and stderr), in order. */
  output: string[];
  /** True while the process has not exited. */
  alive(): boolean;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGKILL: no cleanup, no drain. */
  kill9(): Promise<void>;
  /** SIGTERM: graceful shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** How a start attempt ended: listening, or the process exited first (refused to start). */
export type StartOutcome =
  | { started: true; server: ServerProcess }
  | { started: false; code: number | null; output: string[] };

export function serverEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    PORT: '0',
    TIL_CHANNEL_ID: CHANNEL,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    ADMIN_TOKEN,
    SCHEDULER_INTERVAL_SECONDS: '0',
    ...env,
  };
}

/** Starts the server; resolves once it listens, or with its exit code and output if it exits before. */
export async function tryStartServer(
  env: Record<string, string>,
  args: string[] = [],
): Promise<StartOutcome> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'functions/local/main.ts', ...args],
    {
      cwd: repoRoot,
      env: serverEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  let partial = { stdout: '', stderr: '' };
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = partial[stream] + chunk.toString();
    const lines = text.split('\n');
    partial = { ...partial, [stream]: lines.pop() ?? '' };
    for (const line of lines) if (line) output.push(line);
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));
  child.once('exit', () => {
    for (const rest of [partial.stdout, partial.stderr]) if (rest) output.push(rest);
  });
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      for (const line of output) {
        const match = /listening on (http:\/\/localhost:\d+)/.exec(line);
        if (match?.[1]) {
          clearInterval(timer);
          resolve(match[1].replace('localhost', '127.0.0.1'));
          return;
        }
      }
    }, 20);
    setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`server did not start within ${STARTUP_TIMEOUT_MS} ms:\n${output.join('\n')}`));
    }, STARTUP_TIMEOUT_MS).unref();
    void exited.then(() => clearInterval(timer));
  });
  const first = await Promise.race([listening.then((url) => ({ url })), exited.then((code) => ({ code }))]);
  if ('code' in first) {
    return { started: false, code: first.code, output };
  }
  const server: ServerProcess = {
    url: first.url,
    pid: child.pid ?? -1,
    output,
    alive: () => exitCode === undefined,
    exited,
    async kill9() {
      if (exitCode === undefined) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      return exited;
    },
  };
  return { started: true, server };
}

/** Starts the server and fails the scenario if it does not come up. */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const outcome = await tryStartServer(env);
  if (!outcome.started) {
    throw new Error(`server exited with ${outcome.code} before listening:\n${outcome.output.join('\n')}`);
  }
  return outcome.server;
}
