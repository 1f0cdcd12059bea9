import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { parseFormBody } from '../slack/formBody.js';
import { parseInteraction } from '../slack/interaction.js';
import type { InteractionReceiver } from '../slack/interactionReceiver.js';
import {
  createSignedSlackRequest,
  parseSignedJson,
  type SignedSlackRequestDeps,
  textResponse,
} from './signedSlackRequest.js';

export interface SlackInteractionsDeps extends SignedSlackRequestDeps {
  receive: InteractionReceiver;
}

/**
 * POST /api/slack/interactions (App Home clicks: `payload=` JSON, form-encoded): signed and bounded like
 * events; a click is queued and acknowledged with an empty 200, its answer is the re-published Home.
 */
export function createSlackInteractionsHandler(deps: SlackInteractionsDeps) {
  const signed = createSignedSlackRequest(deps, 'slack-interactions');

  const handler = async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const read = await signed.read(request, context);
    if (!read.ok) return read.response;
    const form = parseFormBody(read.text);
    if (!form.ok) return textResponse(400, form.error);
    const payload = form.fields.payload;
    if (payload === undefined) return textResponse(400, 'no payload field');
    const payloadJson = parseSignedJson(payload, 'payload');
    if (!payloadJson.ok) return payloadJson.response;
    const parsed = parseInteraction(payloadJson.json);
    if (!parsed.ok) return textResponse(400, parsed.error);
    const { queued, ignored } = await deps.receive(parsed.interaction);
    context.debug(
      `slack-interactions: ${queued} action(s) queued for ${parsed.interaction.user.id}` +
        (ignored.length ? `, ignored ${ignored.join(', ')}` : ''),
    );
    return { status: 200, body: '' };
  };
  return Object.assign(handler, { beforeBody: signed.beforeBody });
}
