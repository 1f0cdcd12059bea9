import type { HttpRequest } from '@azure/functions';

export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads the raw body once, stopping as soon as it passes `limit`: the signature is computed over these exact
 * bytes, and nothing past the limit is read.
 */
export async function readBodyWithLimit(request: HttpRequest, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const preRead = preReadBodies.get(request);
  if (preRead) {
    if (preRead.length > limit) throw new BodyTooLargeError(limit);
    return preRead;
  }
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Bodies a host already read whole (within the limit) before building the request: `npm start`'s server. */
const preReadBodies = new WeakMap<HttpRequest, Buffer>();

/**
 * Gives `request` its body as already read, so readBodyWithLimit returns these bytes without streaming them
 * through the request again. The request's own body (text(), the stream) must hold the same bytes.
 */
export function withPreReadBody<R extends HttpRequest>(request: R, bytes: Buffer): R {
  preReadBodies.set(request, bytes);
  return request;
}

/** Whether the host read `request`'s body before the handler ran: reading it again costs nothing then. */
export function hasPreReadBody(request: HttpRequest): boolean {
  return preReadBodies.has(request);
}
