import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { QueueSender } from '../adapters/queue/queue.js';
import { createEventReceiver } from '../slack/eventReceiver.js';
import { createSignedSlackRequest, parseSignedJson, textResponse } from './signedSlackRequest.js';

export interface SlackEventsDeps {
  signingSecret: string;
  timeZone: string;
  queue: QueueSender;
  now: () => number;
}

/**
 * POST /api/slack/events: verify, answer the URL challenge, enqueue every event callback, answer 200.
 * Nothing slow happens here (no store, no Slack calls) so Slack's 3-second limit holds even on a cold start.
 * What an envelope means is the transport-independent receiver's (slack/eventReceiver.ts, Socket Mode's too).
 */
export function createSlackEventsHandler(deps: SlackEventsDeps) {
  const signed = createSignedSlackRequest(deps, 'slack-events');
  const receive = createEventReceiver(deps);

  const handler = async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const read = await signed.read(request, context);
    if (!read.ok) return read.response;
    const parsed = parseSignedJson(read.text, 'body');
    if (!parsed.ok) return parsed.response;
    const receipt = await receive(parsed.json, {
      retryNum: Number.parseInt(request.headers.get('x-slack-retry-num') ?? '0', 10) || 0,
    });
    switch (receipt.kind) {
      case 'rejected':
        return textResponse(400, receipt.error);
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
    return textResponse(200, 'ok');
  };
  return Object.assign(handler, { beforeBody: signed.beforeBody });
}
