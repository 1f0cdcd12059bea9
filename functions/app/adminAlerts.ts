import { randomUUID } from 'node:crypto';
import type { SlackPort } from '../adapters/slack/slack.js';
import { ConflictError, type Store } from '../adapters/store/store.js';
import type { ResyncWeekReport, Templates } from '../messages/templates.js';
import type { EffectAttempts, OutboxLease } from './documents.js';
import type { Logger } from './logger.js';
import type { DrainReport, OutboxRunner, Performer } from './outbox.js';

/**
 * DMs the operators when something could not be done. Every alert is a document first (create-if-absent by its
 * key, so one failure raised twice, by a redelivery or two instances, is one alert), with one delivery per
 * admin in its outbox: a DM Slack does not take is retried with the effects' backoff by the scheduled sweep,
 * never dropped and never marked sent. Each call resolves with how many admins have been told so far, so a
 * caller that must not lose its alert (a dead letter) can insist.
 */
export interface AdminAlerts {
  /** How many admins there are to tell (ADMIN_USER_IDS). */
  readonly admins: number;
  deadLettered(input: { eventId: string; deliveries: number; reason: string }): Promise<number>;
  /** `key` names the failure: raising the same key again delivers what is still undelivered, nothing twice. */
  scheduledPostFailed(input: { job: string; reason: string }, key?: string): Promise<number>;
  slackCallFailed(input: { method: string; reason: string; eventId?: string }, key?: string): Promise<number>;
  /** A re-sync's repairs, in one message; `key` names the repairs, so the same ones are reported once. */
  resyncRepaired(input: { weeks: ResyncWeekReport[] }, key: string): Promise<number>;
  /** A start-up self-check finding (messages/selfCheckTemplates.ts), once per `key`. */
  selfCheckFailed(text: string, key: string): Promise<number>;
}

/** One admin's DM of an alert. */
export type AlertDelivery = EffectAttempts & { id: string };

export interface AlertDoc {
  id: string;
  pk: string;
  type: 'alert';
  key: string;
  text: string;
  raisedAt: string;
  outbox: AlertDelivery[];
  pendingEffects?: true;
  outboxLease?: OutboxLease;
}

export const alertPartition = (channel: string) => `${channel}:alerts`;
const alertDocId = (key: string) => `alert:${key}`;

export function createAdminAlerts(deps: {
  store: Store;
  slack: SlackPort;
  outbox: OutboxRunner;
  channelId: string;
  adminUserIds: string[];
  templates: Templates;
  log: Logger;
  now: () => number;
}) {
  const { store, slack, outbox, adminUserIds, templates, log, now } = deps;
  const pk = alertPartition(deps.channelId);

  const tagOf = (doc: AlertDoc) => ({ type: 'til_admin_alert', id: doc.key }) as const;
  const tsOf = (iso: string) => String(Math.floor(Date.parse(iso) / 1000));

  const deliveries: Performer<AlertDoc, AlertDelivery> = {
    stillWanted: async () => true,
    async perform(delivery, doc, attempt) {
      // Tagged, so a DM whose answer was lost is found instead of being sent twice.
      if (
        delivery.sendStarted &&
        (await slack.findTaggedDirectMessage(delivery.id, tagOf(doc), tsOf(doc.raisedAt)))
      ) {
        return;
      }
      await attempt.sendStarting();
      await slack.sendDirectMessage(delivery.id, doc.text, tagOf(doc));
    },
    async dropped(delivery, doc) {
      log.error(`admin alert ${doc.key} could not be delivered to ${delivery.id}; it said: ${doc.text}`);
      return undefined;
    },
  };

  async function raise(key: string, text: string): Promise<number> {
    log.warn(`admin alert: ${text}`);
    if (adminUserIds.length === 0) return 0;
    const fresh: AlertDoc = {
      id: alertDocId(key),
      pk,
      type: 'alert',
      key,
      text,
      raisedAt: new Date(now()).toISOString(),
      outbox: adminUserIds.map((id) => ({ id })),
      pendingEffects: true,
    };
    await store.create(fresh).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
    });
    // Raised (again): whatever is undelivered is tried now, backoff or not.
    await outbox.drain({ pk, id: fresh.id }, `alert:${randomUUID()}`, deliveries, { ignoreBackoff: true });
    const stored = await store.read<AlertDoc>(pk, fresh.id);
    return adminUserIds.length - (stored?.doc.outbox.length ?? 0);
  }

  const alerts: AdminAlerts = {
    admins: adminUserIds.length,
    deadLettered: (input) => raise(`deadLetter:${input.eventId}`, templates.alertDeadLettered(input)),
    scheduledPostFailed: (input, key = randomUUID()) =>
      raise(`job:${key}`, templates.alertScheduledPostFailed(input)),
    slackCallFailed: (input, key = randomUUID()) =>
      raise(`slack:${key}`, templates.alertSlackCallFailed(input)),
    resyncRepaired: (input, key) => raise(`resync:${key}`, templates.alertResyncRepaired(input)),
    selfCheckFailed: (text, key) => raise(`selfcheck:${key}`, text),
  };

  return {
    alerts,
    /** The sweep's source of undelivered alerts. */
    sweepSource: { query: { pk, type: 'alert' }, performer: deliveries },
  };
}

export type AdminAlertsService = ReturnType<typeof createAdminAlerts>;
export type { DrainReport };
