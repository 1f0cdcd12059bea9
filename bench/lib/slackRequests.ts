/** Signed Slack Events API requests as raw HTTP/1.1 bytes, built before a run so signing costs the client nothing. */
import { createHmac } from 'node:crypto';
import { CHANNEL, SIGNING_SECRET } from './servers.js';

const PATH = '/api/slack/events';

export function signature(timestamp: string, body: string, secret = SIGNING_SECRET): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest('hex')}`;
}

export function signedRequestBytes(body: string, timestamp = String(Math.floor(Date.now() / 1000))): Buffer {
  const length = Buffer.byteLength(body);
  const head =
    `POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `X-Slack-Request-Timestamp: ${timestamp}\r\nX-Slack-Signature: ${signature(timestamp, body)}\r\n` +
    `Content-Length: ${length}\r\n\r\n`;
  return Buffer.from(head + body);
}

let runId = 0;
/** A prefix unique to this bench process and call, so event ids never repeat across runs on one store. */
export const eventIdPrefix = () =>
  `EvB${process.pid.toString(36).toUpperCase()}${(++runId).toString(36).toUpperCase()}`;

export interface Reaction {
  eventId: string;
  user: string;
  itemTs: string;
  itemUser: string;
  eventTs: string;
  added: boolean;
}

/** The Events API callback Slack sends for a 👍 added or removed. */
export function reactionBody(r: Reaction): string {
  return JSON.stringify({
    token: 'verification-token-unused',
    team_id: 'T0BENCH',
    api_app_id: 'A0BENCH',
    type: 'event_callback',
    event_id: r.eventId,
    event_time: Math.floor(Number(r.eventTs)),
    event: {
      type: r.added ? 'reaction_added' : 'reaction_removed',
      user: r.user,
      reaction: '+1',
      item_user: r.itemUser,
      item: { type: 'message', channel: CHANNEL, ts: r.itemTs },
      event_ts: r.eventTs,
    },
  });
}

/** Pre-signed requests, handed out in order; built on the fly past the pool (counted, so a report can say so). */
export class RequestPool {
  private readonly pool: Buffer[];
  private index = 0;
  builtLate = 0;
  constructor(
    private readonly build: (i: number) => Buffer,
    size: number,
  ) {
    this.pool = Array.from({ length: size }, (_, i) => build(i));
  }
  next = (): Buffer => {
    const i = this.index++;
    if (i < this.pool.length) return this.pool[i]!;
    this.builtLate += 1;
    return this.build(i);
  };
  get used(): number {
    return this.index;
  }
}
