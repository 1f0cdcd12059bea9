import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { QueueSender } from '../adapters/queue/queue.js';
import { createEventReceiver } from '../slack/eventReceiver.js';
import { jsonNestingExceeds, MAX_JSON_DEPTH } from '../slack/limits.js';
import { checkSignatureHeaders, verifySlackSignature } from '../slack/verifySignature.js';
import { BodyTooLargeError, readBodyWithLimit } from './readBody.js';

export interface SlackEventsDeps {
  signingSecret: string;
  timeZone: string;
  queue: QueueSender;
  now: () => number;
}

const text = (status: number, body: string): HttpResponseInit => ({
  status,
  body,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
});

/**
 * POST /api/slack/events: verify, answer the URL challenge, enqueue every event callback, answer 200.
 * Nothing slow happens here (no store, no Slack calls) so Slack's 3-second limit holds even on a cold start.
 */
export function createSlackEventsHandler(deps: SlackEventsDeps) {
  const receive = createEventReceiver(deps);
  /** The checks that need no body (headers, timestamp window): an unsigned or replayed request is not read. */
  const beforeBody = (headers: Headers, context: InvocationContext): HttpResponseInit | undefined => {
    const check = checkSignatureHeaders({
      timestampHeader: headers.get('x-slack-request-timestamp'),
      signatureHeader: headers.get('x-slack-signature'),
      nowMs: deps.now(),
    });
    if (check.ok) return undefined;
    context.warn(`slack-events: rejected request: ${check.reason}`);
    return text(401, 'invalid signature');
  };

  const handler = async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const early = beforeBody(request.headers, context);
    if (early) return early;
    let rawBody: Buffer;
    try {
      rawBody = await readBodyWithLimit(request);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return text(413, 'request body too large');
      throw error;
    }
    const verified = verifySlackSignature({
      signingSecret: deps.signingSecret,
      timestampHeader: request.headers.get('x-slack-request-timestamp'),
      signatureHeader: request.headers.get('x-slack-signature'),
      rawBody,
      nowMs: deps.now(),
    });
    if (!verified.ok) {
      context.warn(`slack-events: rejected request: ${verified.reason}`);
      return text(401, 'invalid signature');
    }
    const bodyText = rawBody.toString('utf8');
    if (jsonNestingExceeds(bodyText, MAX_JSON_DEPTH)) {
      return text(400, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    let json: unknown;
    try {
      json = JSON.parse(bodyText);
    } catch {
      return text(400, 'body is not JSON');
    }
    const receipt = await receive(json, {
      retryNum: Number.parseInt(request.headers.get('x-slack-retry-num') ?? '0', 10) || 0,
    });
    switch (receipt.kind) {
      case 'rejected':
        return text(400, receipt.error);
      case 'challenge':
        return { status: 200, jsonBody: { challenge: receipt.challenge } };
      case 'notice':
        context.warn(`slack-events: ${receipt.message}`);
        break;
      case 'enqueued':
        context.debug(
          `slack-events: enqueued ${receipt.eventId} (${receipt.eventType}) in session ${receipt.sessionId}`,
        );
    }
    return text(200, 'ok');
  };
  return Object.assign(handler, { beforeBody });
}
