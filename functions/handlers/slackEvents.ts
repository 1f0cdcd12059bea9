import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { QueueSender } from '../adapters/queue/queue.js';
import type { QueuedEvent } from '../app/queuedEvent.js';
import { routingMonthOfTs } from '../domain/calendar.js';
import { parseEnvelope } from '../slack/envelope.js';
import { slimEvent } from '../slack/slimEvent.js';
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
 */
export function createSlackEventsHandler(deps: SlackEventsDeps) {
  const signed = createSignedSlackRequest(deps, 'slack-events');

  const handler = async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const read = await signed.read(request, context);
    if (!read.ok) return read.response;
    const parsed = parseSignedJson(read.text, 'body');
    if (!parsed.ok) return parsed.response;
    const { json } = parsed;
    // Slack tells us it is rate-limiting its deliveries to this app; nothing to enqueue, nothing to retry.
    if ((json as { type?: unknown } | null)?.type === 'app_rate_limited') {
      context.warn('slack-events: Slack reports app_rate_limited; some events were not delivered');
      return textResponse(200, 'ok');
    }
    const envelope = parseEnvelope(json);
    if (!envelope.ok) return textResponse(400, envelope.error);
    if (envelope.value.type === 'url_verification') {
      return { status: 200, jsonBody: { challenge: envelope.value.challenge } };
    }
    const { eventId, event, routingTs } = envelope.value;
    const sessionId = routingMonthOfTs(routingTs, deps.timeZone);
    const body: QueuedEvent = { eventId, event: slimEvent(event) };
    await deps.queue.send({
      messageId: eventId,
      sessionId,
      body,
      contentType: 'application/json',
      applicationProperties: {
        eventType: String(event.type),
        retryNum: Number.parseInt(request.headers.get('x-slack-retry-num') ?? '0', 10) || 0,
      },
    });
    context.debug(`slack-events: enqueued ${eventId} (${String(event.type)}) in session ${sessionId}`);
    return textResponse(200, 'ok');
  };
  return Object.assign(handler, { beforeBody: signed.beforeBody });
}
