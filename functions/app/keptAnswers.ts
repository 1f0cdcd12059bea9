import { createHash } from 'node:crypto';
import { gzip } from 'node:zlib';
import { nextEventLoopTurn } from './eventLoopTurn.js';

/** A JSON answer serialised once: its bytes and a strong ETag over them. */
export interface JsonAnswer {
  body: Buffer;
  etag: string;
  /** The same bytes gzipped, once an answer served more than once has been compressed (compressWhenReused). */
  gzipped?: { body: Buffer; etag: string };
  compressing?: boolean;
}

/** Below this, compressing saves less than it costs. */
const COMPRESS_FROM_BYTES = 8 * 1024;

/**
 * Gzips an answer that is being served again, off the event loop (zlib's thread pool), for the requests after it
 * that accept gzip. Only reuse pays for it: an answer that changes with every write is served about once, and
 * compressing each version would cost more than sending it.
 */
function compressWhenReused(answer: JsonAnswer): void {
  if (answer.compressing || answer.body.byteLength < COMPRESS_FROM_BYTES) return;
  answer.compressing = true;
  gzip(answer.body, (error, body) => {
    // A failed compression leaves the answer uncompressed, which is what it was.
    if (!error) answer.gzipped = { body, etag: `${answer.etag.slice(0, -1)}-gzip"` };
  });
}

/** Whether Accept-Encoding admits gzip (RFC 9110 12.5.3: a listed `gzip` or `*` without q=0). */
export function acceptsGzip(header: string | null): boolean {
  return (header ?? '').split(',').some((item) => {
    const [coding = '', ...params] = item.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    return (coding === 'gzip' || coding === '*') && (q === undefined || Number(q.slice(2)) > 0);
  });
}

export function jsonAnswer(value: unknown): JsonAnswer {
  const body = Buffer.from(JSON.stringify(value));
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}

/** What a computation gives the keeper: the answer, and until when time alone leaves it true. */
export interface Computed {
  value: unknown;
  /** The instant from which the answer may differ with nothing written (a deadline passing); none if never. */
  expiresAtMs?: number;
  /** Called each time the kept answer is served again (e.g. to retry a background fill it started). */
  onReuse?: () => void;
}

interface Kept {
  version: string;
  answer: Promise<{ answer: JsonAnswer; expiresAtMs: number; onReuse?: () => void }>;
}

/**
 * Serialised answers kept per name (a month, "history") under the version of what they were computed from: a
 * request whose version is the kept one is answered with the kept bytes, and requests that arrive while that
 * version is being computed share the one computation (single flight). A new version computes afresh, so an
 * answer is never older than the write its request could see. `version` undefined (a store that cannot tell, Cosmos
 * DB) computes every time and keeps nothing.
 */
export function createAnswerKeeper(options: { now: () => number; limit: number }) {
  const kept = new Map<string, Kept>();
  return async (
    name: string,
    version: string | undefined,
    compute: () => Promise<Computed>,
  ): Promise<JsonAnswer> => {
    if (version === undefined) return jsonAnswer((await compute()).value);
    const found = kept.get(name);
    if (found?.version === version) {
      const reused = await found.answer;
      if (options.now() < reused.expiresAtMs) {
        reused.onReuse?.();
        compressWhenReused(reused.answer);
        return reused.answer;
      }
      // Time moved past what it was true for; a newer computation may have replaced it meanwhile.
      if (kept.get(name) === found) kept.delete(name);
    }
    const current = kept.get(name);
    if (current?.version === version) return (await current.answer).answer;
    const entry: Kept = {
      version,
      answer: compute().then(async ({ value, expiresAtMs, onReuse }) => {
        // Serialising hundreds of KiB is a slice of its own.
        await nextEventLoopTurn();
        return { answer: jsonAnswer(value), expiresAtMs: expiresAtMs ?? Number.POSITIVE_INFINITY, onReuse };
      }),
    };
    kept.delete(name);
    kept.set(name, entry);
    // Least recently computed names go first.
    for (const oldest of kept.keys()) {
      if (kept.size <= options.limit) break;
      kept.delete(oldest);
    }
    entry.answer.catch(() => {
      if (kept.get(name) === entry) kept.delete(name);
    });
    return (await entry.answer).answer;
  };
}

export type AnswerKeeper = ReturnType<typeof createAnswerKeeper>;

/**
 * Whether the client's If-None-Match names `etag` (RFC 9110 13.1.2: weak comparison, a list, or `*`), so the
 * answer is 304 with no body.
 */
export function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === etag);
}
