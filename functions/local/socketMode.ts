/**
 * Socket Mode for `npm start` (SPEC 3.1): with SLACK_APP_TOKEN set, the local server also takes what Slack sends
 * over a WebSocket (Slack's own client, @slack/socket-mode: apps.connections.open, hello, pings, reconnects), so
 * a laptop runs the bot against a real workspace without a public URL. One receiver per transport over the same
 * receive functions as HTTP (slack/eventReceiver.ts): the same queue, the same messageIds, so an event that comes
 * both ways, or again, is applied once. Each envelope is acknowledged as soon as what it carries is durable in
 * the queue, never before: if the enqueue fails it is not acknowledged, and Slack delivers it again.
 */
import { SocketModeClient } from '@slack/socket-mode';
import { slackSdkLogger } from '../adapters/slack/sdkLogger.js';
import { describeError, type Logger } from '../app/logger.js';
import { MAX_BODY_BYTES } from '../handlers/readBody.js';
import type { CommandReceiver } from '../slack/commandReceiver.js';
import type { EventReceiver } from '../slack/eventReceiver.js';
import { parseInteraction } from '../slack/interaction.js';
import type { InteractionReceiver } from '../slack/interactionReceiver.js';
import { jsonNestingExceeds, MAX_JSON_DEPTH } from '../slack/limits.js';
import { parseSlashCommand } from '../slack/slashCommand.js';

export interface SocketModeOptions {
  appToken: string;
  /** The Web API base URL (SLACK_API_URL): apps.connections.open is asked there. */
  apiUrl: string;
  receiveEvent: EventReceiver;
  /** The `/til` command and App Home clicks: the receivers behind /api/slack/commands and …/interactions. */
  receiveCommand: CommandReceiver;
  receiveInteraction: InteractionReceiver;
  log: Logger;
  /** How long the client waits for a pong, and the step of its reconnect backoff. Default 5 s (Slack's SDK). */
  clientPingTimeoutMs?: number;
}

/** What Slack's client hands over for every envelope. */
interface SocketEnvelope {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  envelope_id: string;
  type: string;
  body: unknown;
  retry_num?: number;
}

export interface SocketMode {
  close(): Promise<void>;
}

/**
 * The payload as it would arrive over HTTP, held to the same limits: at most 1 MiB of JSON nested at most
 * MAX_JSON_DEPTH deep. Undefined (with why) when it is not.
 */
function withinLimits(body: unknown): { ok: true } | { ok: false; error: string } {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    return { ok: false, error: `payload cannot be read as JSON: ${describeError(error)}` };
  }
  if (text === undefined) return { ok: false, error: 'no payload' };
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return { ok: false, error: 'payload over 1 MiB' };
  if (jsonNestingExceeds(text, MAX_JSON_DEPTH)) {
    return { ok: false, error: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  }
  return { ok: true };
}

export async function startSocketMode(options: SocketModeOptions): Promise<SocketMode> {
  const { log } = options;
  const client = new SocketModeClient({
    appToken: options.appToken,
    clientOptions: { slackApiUrl: options.apiUrl },
    logger: slackSdkLogger(log, 'socket-mode'),
    ...(options.clientPingTimeoutMs !== undefined && { clientPingTimeout: options.clientPingTimeoutMs }),
  });

  /** Acknowledged only once what the envelope carries is durable (or needs nothing: a refusal is final). */
  async function receive(envelope: SocketEnvelope): Promise<void> {
    const { type, envelope_id: envelopeId } = envelope;
    /** Over HTTP a 400: Slack's delivery is answered (it would only come again), and nothing is enqueued. */
    const refuse = (error: string) => {
      log.warn(`socket-mode: refused ${type} envelope ${envelopeId}: ${error}`);
      return envelope.ack();
    };
    const limits = withinLimits(envelope.body);
    if (!limits.ok) return refuse(limits.error);
    switch (type) {
      case 'events_api': {
        const receipt = await options.receiveEvent(envelope.body, { retryNum: envelope.retry_num ?? 0 });
        if (receipt.kind === 'rejected') return refuse(receipt.error);
        if (receipt.kind === 'notice') log.warn(`socket-mode: ${receipt.message}`);
        else if (receipt.kind === 'enqueued') {
          log.debug(
            `socket-mode: enqueued ${receipt.eventId} (${receipt.eventType}) in ${receipt.sessionId}`,
          );
        }
        await envelope.ack();
        return;
      }
      case 'slash_commands': {
        // The command's form fields, as JSON: the same validation as over HTTP, and the same answer, in the ack.
        const parsed = parseSlashCommand(envelope.body);
        if (!parsed.ok) return refuse(parsed.error);
        const answer = await options.receiveCommand(parsed.command);
        await envelope.ack(answer);
        return;
      }
      case 'interactive': {
        const parsed = parseInteraction(envelope.body);
        if (!parsed.ok) return refuse(parsed.error);
        const { queued, ignored } = await options.receiveInteraction(parsed.interaction);
        log.debug(
          `socket-mode: ${queued} action(s) queued${ignored.length ? `, ignored ${ignored.join(', ')}` : ''}`,
        );
        await envelope.ack();
        return;
      }
      default:
        log.debug(`socket-mode: ${type} envelope ${envelopeId} acknowledged, nothing to do`);
        await envelope.ack();
    }
  }

  client.on('slack_event', (envelope: SocketEnvelope) => {
    receive(envelope).catch((error: unknown) => {
      // Not acknowledged: Slack delivers the envelope again (to this or another connection).
      log.error(
        `socket-mode: ${envelope.type} envelope ${envelope.envelope_id} not acknowledged (Slack will deliver it again): ${describeError(error)}`,
      );
    });
  });
  client.on('connected', () => log.info('Socket Mode: connected to Slack'));
  client.on('reconnecting', () => log.info('Socket Mode: reconnecting to Slack'));

  await client.start();
  return {
    async close() {
      await client.disconnect();
    },
  };
}
