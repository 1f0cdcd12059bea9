import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { jsonNestingExceeds, MAX_JSON_DEPTH } from '../slack/limits.js';
import { checkSignatureHeaders, verifySlackSignature } from '../slack/verifySignature.js';
import { BodyTooLargeError, hasPreReadBody, readBodyWithLimit } from './readBody.js';

export interface SignedSlackRequestDeps {
  signingSecret: string;
  now: () => number;
}

export const textResponse = (status: number, body: string): HttpResponseInit => ({
  status,
  body,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
});

export type SignedBody = { ok: true; text: string } | { ok: false; response: HttpResponseInit };

/**
 * The steps every Slack HTTP route shares (events, commands, interactions): headers and timestamp checked before
 * the body is read, the body read once within 1 MiB, its signature verified over those exact bytes. A request
 * that fails one is answered here (401, 413) and never reaches the route's own parsing.
 */
export function createSignedSlackRequest(deps: SignedSlackRequestDeps, route: string) {
  const headerValues = (headers: Headers) => ({
    timestampHeader: headers.get('x-slack-request-timestamp'),
    signatureHeader: headers.get('x-slack-signature'),
  });

  /** The checks that need no body (headers, timestamp window): an unsigned or replayed request is not read. */
  const beforeBody = (headers: Headers, context: InvocationContext): HttpResponseInit | undefined => {
    const check = checkSignatureHeaders({ ...headerValues(headers), nowMs: deps.now() });
    if (check.ok) return undefined;
    context.warn(`${route}: rejected request: ${check.reason}`);
    return textResponse(401, 'invalid signature');
  };

  async function read(request: HttpRequest, context: InvocationContext): Promise<SignedBody> {
    // Checked first so a request that fails is not read; a body the host has read already (npm start, which ran
    // beforeBody itself) has nothing to spare, and verifySlackSignature checks the same headers again below.
    if (!hasPreReadBody(request)) {
      const early = beforeBody(request.headers, context);
      if (early) return { ok: false, response: early };
    }
    let rawBody: Buffer;
    try {
      rawBody = await readBodyWithLimit(request);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return { ok: false, response: textResponse(413, 'request body too large') };
      }
      throw error;
    }
    const verified = verifySlackSignature({
      signingSecret: deps.signingSecret,
      ...headerValues(request.headers),
      rawBody,
      nowMs: deps.now(),
    });
    if (!verified.ok) {
      context.warn(`${route}: rejected request: ${verified.reason}`);
      return { ok: false, response: textResponse(401, 'invalid signature') };
    }
    return { ok: true, text: rawBody.toString('utf8') };
  }

  return { beforeBody, read };
}

export type ParsedJson = { ok: true; json: unknown } | { ok: false; response: HttpResponseInit };

/** A signed body's JSON (`what` names it in the 400): refused before parsing when nested past MAX_JSON_DEPTH. */
export function parseSignedJson(text: string, what: string): ParsedJson {
  if (openingsExceed(text, MAX_JSON_DEPTH) && jsonNestingExceeds(text, MAX_JSON_DEPTH)) {
    return { ok: false, response: textResponse(400, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`) };
  }
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch {
    return { ok: false, response: textResponse(400, `${what} is not JSON`) };
  }
}

/**
 * Whether `text` holds more than `max` `{` and `[` together: fewer cannot nest deeper than `max`, which spares a
 * signed event (a dozen of them) the character-by-character walk. indexOf searches in native code.
 */
function openingsExceed(text: string, max: number): boolean {
  let count = 0;
  for (const opening of ['{', '[']) {
    for (let at = text.indexOf(opening); at !== -1; at = text.indexOf(opening, at + 1)) {
      if (++count > max) return true;
    }
  }
  return false;
}
