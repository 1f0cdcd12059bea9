/**
 * Admin actions applied from the queue (app/adminActions.ts) through the services both hosts compose: queued by
 * the `/til admin` entry in the session of the month concerned, applied once under redelivery, audited once,
 * refused in the consumer too for a queue message whose actor is no admin.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';
import { type AdminActionMessage, adminActionQueueMessage } from '../../functions/app/adminActionMessage.js';
import { createAuditTrail } from '../../functions/app/adminActions.js';
import { type AuditDoc, auditPartition, type WeekRulesDoc } from '../../functions/app/adminDocuments.js';
import { monthPartition } from '../../functions/app/documents.js';
import type { SlashCommand } from '../../functions/slack/slashCommand.js';
import { CHANNEL, type Harness, harness } from '../handlers/helpers.js';

const NOW_MS = Date.parse('2026-11-24T10:00:00+09:00');
const RESPONSE_URL = 'https://hooks.slack.com/commands/T0TEAM/1/abc';
let h: Harness;
let printed: string[];

beforeEach(async () => {
  printed = [];
  h = await harness({
    slack: createDryRunSlack((line) => printed.push(line)),
    now: () => NOW_MS,
    env: { ADMIN_USER_IDS: 'U0ADMIN' },
  });
});
afterEach(async () => {
  await h.dispose();
});

const command = (user: string, text: string, triggerId = '1.2.3'): SlashCommand => ({
  command: '/til',
  text,
  user_id: user,
  trigger_id: triggerId,
  response_url: RESPONSE_URL,
});
const receive = (c: SlashCommand) => h.services.slackReceivers.command(c);
const audits = () => h.store.query<AuditDoc>({ pk: auditPartition(CHANNEL), type: 'audit' });
const weekRules = (weekKey: string) =>
  h.store.read<WeekRulesDoc>(monthPartition(CHANNEL, weekKey.slice(0, 7)), `weekRules:${weekKey}`);
const answers = () => printed.filter((l) => l.includes('response_url'));

describe('admin actions from the queue', () => {
  it('are queued in the month of the week concerned, with a messageId from the trigger', async () => {
    expect(await receive(command('U0ADMIN', 'admin skip 2026-12-01'))).toBeUndefined();
    expect(h.queue.sent).toEqual([
      expect.objectContaining({
        messageId: 'admin:1.2.3',
        sessionId: '2026-11', // Tuesday 1 December is in the week of Monday 30 November
        body: expect.objectContaining({
          kind: 'admin_action',
          actor: 'U0ADMIN',
          change: { kind: 'skip', weekKey: '2026-11-W5' },
        }),
      }),
    ]);
  });

  it('a non-admin is refused at once and nothing is queued', async () => {
    const ack = await receive(command('U0MEMBER', 'admin skip 2026-11-W5'));
    expect(ack).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('관리자만') });
    expect(h.queue.sent).toEqual([]);
  });

  it('a redelivered action is applied and audited once, and answers the same', async () => {
    await receive(command('U0ADMIN', 'admin extend 2026-11-W4 2026-11-30 12:00'));
    const [message] = h.queue.sent;
    for (let delivery = 1; delivery <= 3; delivery++) {
      await h.services.processEvent.process(message!.body, {
        messageId: message!.messageId,
        deliveryCount: delivery,
      });
    }
    expect((await weekRules('2026-11-W4'))?.doc).toMatchObject({
      skipped: false,
      extendedDeadline: '2026-11-30T12:00:59.999+09:00',
    });
    const records = await audits();
    expect(records.map(({ doc }) => [doc.actor, doc.what, doc.before, doc.after, doc.changed])).toEqual([
      [
        'U0ADMIN',
        'extend 2026-11-W4 2026-11-30 12:00',
        { skipped: false },
        { skipped: false, deadline: '2026-11-30T12:00:59.999+09:00' },
        true,
      ],
    ]);
    const texts = answers();
    expect(texts).toHaveLength(3);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toContain('마감을 11월 30일(월) 12:00까지 연장했어요');
  });

  it('a crash after the audit record, before the change: the redelivery applies it and answers from the record', async () => {
    await receive(command('U0ADMIN', 'admin skip 2026-11-W5'));
    const [message] = h.queue.sent;
    const body = message!.body as AdminActionMessage;
    await createAuditTrail({ store: h.store, channelId: CHANNEL }).record(body.actionId, {
      actor: 'U0ADMIN',
      at: new Date(NOW_MS).toISOString(),
      what: 'skip 2026-11-W5',
      before: { skipped: false },
      after: { skipped: true },
      changed: true,
    });
    await h.services.processEvent.process(body, { messageId: message!.messageId, deliveryCount: 2 });
    expect((await weekRules('2026-11-W5'))?.doc.skipped).toBe(true);
    expect(await audits()).toHaveLength(1);
    expect(answers()[0]).not.toContain('이미 그렇게');
  });

  it('the consumer refuses a queued action whose actor is not an admin: nothing changes, nothing is recorded', async () => {
    const forged = adminActionQueueMessage(
      {
        actionId: 'admin:9.9.9',
        actor: 'U0MEMBER',
        atMs: NOW_MS,
        responseUrl: RESPONSE_URL,
        change: { kind: 'skip', weekKey: '2026-11-W4' },
      },
      'Asia/Seoul',
    );
    const outcome = await h.services.processEvent.process(forged.body, {
      messageId: forged.messageId,
      deliveryCount: 1,
    });
    expect(outcome).toEqual({ applied: false, ignored: 'admin action refused: not_admin' });
    expect(await weekRules('2026-11-W4')).toBeUndefined();
    expect(await audits()).toEqual([]);
  });

  it('exclude of a reply the store does not know, or of another channel, changes nothing and says why', async () => {
    const link = (channel: string) => `https://til.slack.com/archives/${channel}/p1795416000123456`;
    await receive(command('U0ADMIN', `admin exclude ${link(CHANNEL)}`, '5.5.5'));
    await receive(command('U0ADMIN', `admin exclude ${link('C0OTHER')}`, '6.6.6'));
    for (const message of h.queue.sent) {
      await h.services.processEvent.process(message.body, { messageId: message.messageId, deliveryCount: 1 });
    }
    expect(answers()[0]).toContain('제출로 기록되어 있지 않아요');
    expect(answers()[1]).toContain('챌린지 채널');
    expect(await audits()).toEqual([]);
  });
});
