/**
 * The load generator: N keep-alive connections, each sending its next pre-built request as soon as the previous
 * answer is complete, for a warm-up then a measured window. Raw sockets and a minimal response parser, so the
 * client costs far less than any server it measures.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { percentile } from './stats.js';

export interface LoadOptions {
  port: number;
  connections: number;
  warmupMs: number;
  durationMs: number;
  next: () => Buffer;
  /** How long to wait after the window for answers still outstanding. */
  drainMs?: number;
  /** Called when the measured window opens (to reset a server sample, say). */
  onWindowStart?: () => void | Promise<void>;
}

export interface LoadResult {
  connections: number;
  windowMs: number;
  /** 200 answers completed inside the window. */
  ok: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statuses: Record<number, number>;
  errors: number;
  /** Requests still unanswered when the run ended. */
  unanswered: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { port, connections, warmupMs, durationMs, next } = options;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let errors = 0;
  let ok = 0;
  const begin = performance.now();
  const windowStart = begin + warmupMs;
  const windowEnd = windowStart + durationMs;
  let running = true;
  let inFlight = 0;
  let settle: (() => void) | undefined;

  const done = () => {
    if (!running && inFlight === 0) settle?.();
  };

  function open(): void {
    const socket: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
    let buffered: Buffer | undefined;
    let sentAt = 0;
    let waiting = false;
    let answeredClose = false;
    const send = () => {
      if (!running || performance.now() >= windowEnd) {
        running = false;
        socket.destroy();
        done();
        return;
      }
      sentAt = performance.now();
      waiting = true;
      inFlight += 1;
      socket.write(next());
    };
    const complete = (status: number, close: boolean) => {
      const at = performance.now();
      waiting = false;
      inFlight -= 1;
      if (sentAt >= windowStart && at <= windowEnd) {
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 200) {
          ok += 1;
          latencies.push(at - sentAt);
        }
      }
      if (close) {
        answeredClose = true;
        socket.destroy();
      } else send();
    };
    socket.on('connect', send);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered ? Buffer.concat([buffered, chunk]) : chunk;
      for (;;) {
        const headerEnd = buffered.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const head = buffered.toString('latin1', 0, headerEnd);
        const status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        let total: number;
        if (length) total = headerEnd + 4 + Number(length[1]);
        else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
          const end = buffered.indexOf('\r\n0\r\n\r\n', headerEnd + 2);
          if (end < 0) return;
          total = end + 7;
        } else total = headerEnd + 4;
        if (buffered.length < total) return;
        const close = /\r\nconnection:\s*close/i.test(head);
        buffered = buffered.length > total ? buffered.subarray(total) : undefined;
        complete(status, close);
        if (!buffered || close) return;
      }
    });
    socket.on('error', () => {
      if (performance.now() >= windowStart && performance.now() <= windowEnd) errors += 1;
    });
    socket.on('close', () => {
      if (waiting) {
        waiting = false;
        inFlight -= 1;
      }
      if (running && performance.now() < windowEnd) {
        // A server that closes after answering gets a new connection at once; after an error, a little later,
        // so a server that is gone is not spun on.
        if (answeredClose) open();
        else setTimeout(open, 5);
      } else done();
    });
  }

  const finished = new Promise<void>((resolve) => {
    settle = resolve;
  });
  for (let i = 0; i < connections; i++) open();
  await new Promise((r) => setTimeout(r, warmupMs));
  await options.onWindowStart?.();
  await new Promise((r) => setTimeout(r, Math.max(0, windowEnd - performance.now())));
  running = false;
  const unansweredAtEnd = inFlight;
  await Promise.race([finished, new Promise((r) => setTimeout(r, options.drainMs ?? 3_000))]);
  latencies.sort((a, b) => a - b);
  return {
    connections,
    windowMs: durationMs,
    ok,
    rps: ok / (durationMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    statuses,
    errors,
    unanswered: Math.min(unansweredAtEnd, inFlight),
  };
}

/** Sends `requests` with `concurrency` connections as fast as they are answered; resolves with every status. */
export async function sendAll(
  port: number,
  requests: Buffer[],
  concurrency: number,
): Promise<{ statuses: Record<number, number>; ms: number }> {
  let index = 0;
  const statuses: Record<number, number> = {};
  const start = performance.now();
  const next = () => requests[index++];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, requests.length) }, () => sendSerially(port, next, statuses)),
  );
  return { statuses, ms: performance.now() - start };
}

/** One connection sending `next()` until it returns undefined (reconnecting on close). */
function sendSerially(
  port: number,
  next: () => Buffer | undefined,
  statuses: Record<number, number>,
): Promise<void> {
  return new Promise((resolve) => {
    let current: Buffer | undefined;
    const open = () => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true });
      let buffered: Buffer | undefined;
      let answered = true;
      const send = () => {
        current = next();
        if (!current) {
          socket.destroy();
          resolve();
          return;
        }
        answered = false;
        socket.write(current);
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered ? Buffer.concat([buffered, chunk]) : chunk;
        const headerEnd = buffered.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const head = buffered.toString('latin1', 0, headerEnd);
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const total = headerEnd + 4 + (length ? Number(length[1]) : 0);
        if (buffered.length < total) return;
        buffered = undefined;
        const status = Number(head.slice(9, 12));
        statuses[status] = (statuses[status] ?? 0) + 1;
        answered = true;
        if (/\r\nconnection:\s*close/i.test(head)) socket.destroy();
        else send();
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        // A request lost with its connection is counted as status 0, never resent: no failure is hidden.
        if (!answered) statuses[0] = (statuses[0] ?? 0) + 1;
        if (current) setTimeout(open, answered ? 0 : 5);
      });
    };
    open();
  });
}
