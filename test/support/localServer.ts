import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { signSlackRequest } from '../../functions/slack/verifySignature.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export const SIGNING_SECRET = 'e2e-signing-secret-0123456789';
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
export const CHANNEL = 'C0TIL0001';
const STARTUP_TIMEOUT_MS = 30_000;

export interface LocalServer {
  url: string;
  output: string[];
  /** SIGKILL: no cleanup, no drain. */
  kill9(): Promise<void>;
  /** SIGTERM: graceful shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Starts `functions/local/main.ts` (what `npm start` runs) as a child process on a free port: from the sources
 * through tsx, or `built` as npm start runs it (`node dist/functions/local/main.js`, the bundle).
 */
export async function startLocalServer(
  env: Record<string, string>,
  options: { built?: boolean } = {},
): Promise<LocalServer> {
  const main = options.built
    ? ['dist/functions/local/main.js']
    : ['--import', 'tsx', 'functions/local/main.ts'];
  const child = spawn(process.execPath, main, {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      TIL_CHANNEL_ID: CHANNEL,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      ADMIN_TOKEN,
      SCHEDULER_INTERVAL_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    // Only start-up has a deadline: once listening, a healthy server must not be killed when it passes.
    const startup = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${STARTUP_TIMEOUT_MS} ms:\n${output.join('\n')}`));
    }, STARTUP_TIMEOUT_MS);
    startup.unref();
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        output.push(line);
        const match = /listening on (http:\/\/localhost:\d+)/.exec(line);
        if (match?.[1]) {
          clearTimeout(startup);
          resolve(match[1]);
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(startup);
      reject(new Error(`server exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  return {
    url,
    output,
    async kill9() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGTERM');
      return exited(child);
    },
  };
}

/** POSTs a Slack Events API body, signed as Slack signs it. */
export async function postSlackEvent(
  server: { url: string },
  body: unknown,
  options: { retryNum?: number; timestampSec?: number; secret?: string } = {},
): Promise<Response> {
  const raw = JSON.stringify(body);
  const timestamp = String(options.timestampSec ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signSlackRequest(options.secret ?? SIGNING_SECRET, timestamp, raw),
  };
  if (options.retryNum) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(`${server.url}/api/slack/events`, { method: 'POST', headers, body: raw });
}

export async function tick(server: { url: string }, nowIso: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/api/admin/tick`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ now: nowIso }),
  });
  if (res.status !== 200) throw new Error(`tick ${nowIso}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Waits until the embedded queue has nothing pending (every accepted event processed or dead-lettered). */
export async function waitUntilIdle(server: { url: string }, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { pending: number };
    if (health.pending === 0) return;
    if (Date.now() > deadline)
      throw new Error(`queue still has ${health.pending} pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function getJson<T>(
  server: { url: string },
  path: string,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

/** POSTs a form-encoded body (a slash command, or `payload=` of an interaction), signed as Slack signs it. */
export async function postSlackForm(
  server: { url: string },
  path: '/api/slack/commands' | '/api/slack/interactions',
  fields: Record<string, string>,
  options: { timestampSec?: number; secret?: string } = {},
): Promise<Response> {
  const raw = new URLSearchParams(fields).toString();
  const timestamp = String(options.timestampSec ?? Math.floor(Date.now() / 1000));
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlackRequest(options.secret ?? SIGNING_SECRET, timestamp, raw),
    },
    body: raw,
  });
}

/**
 * The status the server answers to a signed form request declaring `bytes` of body. Only the headers are sent:
 * the server answers from the declared length, and a client still writing a body it will not read races the
 * server's close (fetch then reports EPIPE instead of the status).
 */
export function postOversizedSlackForm(
  server: { url: string },
  path: '/api/slack/commands' | '/api/slack/interactions',
  bytes: number,
): Promise<number> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(bytes),
        'x-slack-request-timestamp': timestamp,
        // Signed over nothing: the body is never sent, and its size is refused before any signature over it.
        'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, ''),
      },
    });
    req.on('response', (res) => {
      answered = true;
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    req.flushHeaders();
  });
}
