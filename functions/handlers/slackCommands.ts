import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { CommandReceiver } from '../slack/commandReceiver.js';
import { parseFormBody } from '../slack/formBody.js';
import { parseSlashCommand } from '../slack/slashCommand.js';
import { createSignedSlackRequest, type SignedSlackRequestDeps, textResponse } from './signedSlackRequest.js';

export interface SlackCommandsDeps extends SignedSlackRequestDeps {
  receive: CommandReceiver;
}

/**
 * POST /api/slack/commands (the `/til` command, form-encoded): signed and bounded like events, then handed to
 * the transport-independent receiver. Reading subcommands answer in the body; changes are queued and answered
 * through the response_url, so the answer is well inside Slack's 3 seconds.
 */
export function createSlackCommandsHandler(deps: SlackCommandsDeps) {
  const signed = createSignedSlackRequest(deps, 'slack-commands');

  const handler = async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const read = await signed.read(request, context);
    if (!read.ok) return read.response;
    const form = parseFormBody(read.text);
    if (!form.ok) return textResponse(400, form.error);
    const parsed = parseSlashCommand(form.fields);
    if (!parsed.ok) return textResponse(400, parsed.error);
    const ack = await deps.receive(parsed.command);
    context.debug(`slack-commands: ${parsed.command.command} from ${parsed.command.user_id}`);
    return ack ? { status: 200, jsonBody: ack } : { status: 200, body: '' };
  };
  return Object.assign(handler, { beforeBody: signed.beforeBody });
}
