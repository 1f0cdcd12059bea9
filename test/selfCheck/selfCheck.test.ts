/**
 * The start-up self-check (SPEC 9) against the loopback fake Slack, through the real embedded queue, file store
 * and signed ingress: each finding is one clear line (logged once, shown by /api/health, told to the admins once),
 * and while Slack refuses the token the consumer is paused: events answered 200 meanwhile wait in the queue, none
 * is dead-lettered, and they are processed once the token works again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { manifestBotScopes } from '../../functions/slack/appManifest.js';
import { CHANNEL } from '../handlers/helpers.js';
import type { FakeSlack } from '../support/fakeSlack.js';
import { ADMIN, type InProcessApp, startInProcessApp, until } from '../support/inProcessApp.js';
import { reply, tsAt } from '../support/slackPayloads.js';

let rig: InProcessApp | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});
const startRig = startInProcessApp;

const VELOG = (user: string) => `TIL <https://velog.io/@${user}/til>`;
const linesLike = (log: { lines: string[] }, pattern: RegExp) => log.lines.filter((l) => pattern.test(l));
const dmsTo = (fake: FakeSlack, user: string) =>
  fake.calls
    .filter((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === `D${user}`)
    .map((c) => String(c.args.text));

describe('self-check: a healthy token', () => {
  it('says once who it is, that it is in the channel, that every manifest scope is granted; health shows it', async () => {
    rig = await startRig();
    const report = (await rig.health()).slack;
    expect(report).toMatchObject({
      status: 'ok',
      connectedAs: '@til-bot in Fake Team',
      channel: { id: CHANNEL, name: 'til', isMember: true },
      scopes: { missing: [] },
      processing: 'running',
    });
    expect(report.scopes?.required).toEqual(manifestBotScopes());
    expect(linesLike(rig.log, /connected as @til-bot in Fake Team/)).toHaveLength(1);
    await rig.services.selfCheck.check();
    expect(linesLike(rig.log, /connected as @til-bot/)).toHaveLength(1);
    expect(dmsTo(rig.fake, ADMIN)).toEqual([]);
  });

  it('reports a dry run when there is no token, without calling Slack', async () => {
    rig = await startRig({ dryRun: true });
    expect((await rig.health()).slack).toMatchObject({ status: 'dry-run', processing: 'running' });
    expect(linesLike(rig.log, /dry run/)).toHaveLength(1);
    expect(rig.fake.calls.filter((c) => c.method === 'auth.test')).toEqual([]);
  });
});

describe('self-check: problems someone must fix (the token works)', () => {
  it('not in the channel: one line saying how to /invite the bot, one admin alert, health shows it', async () => {
    rig = await startRig({ before: (fake) => fake.setChannelMember(CHANNEL, false) });
    await rig.services.selfCheck.check();
    const report = (await rig.health()).slack;
    expect(report).toMatchObject({ status: 'problems', channel: { isMember: false }, processing: 'running' });
    const lines = linesLike(rig.log, /^error .*NOT a member/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error .*TIL_CHANNEL_ID #til \(C0TIL0001\).*type \/invite @til-bot/);
    await until(() => dmsTo(rig!.fake, ADMIN).length > 0, 'the admin alert');
    expect(dmsTo(rig.fake, ADMIN)).toEqual([expect.stringMatching(/not a member.*\/invite @til-bot/)]);
    // Events still flow: the bot may be invited any moment, and the store does not need Slack.
    expect(rig.consumer.consuming()).toBe(true);
  });

  it('a missing scope: one line naming it, one admin alert, health lists it', async () => {
    const granted = (manifestBotScopes() ?? []).filter((scope) => scope !== 'im:history');
    rig = await startRig({ before: (fake) => fake.setScopes(granted) });
    await rig.services.selfCheck.check();
    expect((await rig.health()).slack).toMatchObject({
      status: 'problems',
      scopes: { missing: ['im:history'] },
    });
    const lines = linesLike(rig.log, /^error .*lacks scopes/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/lacks scopes the manifest asks for: im:history\. .*reinstall the app/);
    await until(() => dmsTo(rig!.fake, ADMIN).length > 0, 'the admin alert');
    expect(dmsTo(rig.fake, ADMIN)).toEqual([expect.stringMatching(/lacks scopes.*im:history/)]);
  });
});

describe('self-check: a token Slack refuses', () => {
  it('at start: one line, processing paused, events wait (none dead-lettered), then flow once it works', async () => {
    let restore = () => {};
    rig = await startRig({ before: (fake) => (restore = fake.failAll({ error: 'invalid_auth' })) });
    const before = await rig.health();
    expect(before.slack).toMatchObject({ status: 'token-refused', processing: 'paused' });
    expect(rig.consumer.consuming()).toBe(false);

    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const users = ['U0AAA', 'U0BBB', 'U0CCC'];
    for (const [i, user] of users.entries()) {
      const ts = tsAt('2026-11-24T21:00:00+09:00', i + 1);
      expect(await rig.postEvent(reply({ user, ts, threadTs: rig.threadTs, text: VELOG(user) }))).toBe(200);
    }
    // Several re-checks meanwhile: still paused, nothing delivered, nothing dead-lettered, said once.
    await until(() => rig!.fake.calls.filter((c) => c.method === 'auth.test').length >= 4, 'three re-checks');
    expect(rig.consumer.consuming()).toBe(false);
    // The three replies, behind the weekly thread's own message (thread_recorded), none delivered yet.
    expect(rig.queue.pendingCount()).toBe(before.pending + 3);
    expect(rig.queue.deadLetters()).toEqual([]);
    expect((await rig.health()).pending).toBe(before.pending + 3);
    const refused = linesLike(rig.log, /refuses SLACK_BOT_TOKEN/);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^error .*\(invalid_auth\)\. Event processing is PAUSED/);

    restore();
    await until(() => rig!.consumer.consuming(), 'the consumer resumed');
    await rig.queue.idle();
    expect(rig.queue.deadLetters()).toEqual([]);
    expect((await rig.health()).slack).toMatchObject({ status: 'ok', processing: 'running' });
    expect(linesLike(rig.log, /accepts the token again/)).toHaveLength(1);
    // Effects held while Slack looked down are the next tick's sweep's (as after any outage).
    rig.clock.ms += 60_000;
    await rig.services.jobs.runDue(rig.clock.ms);
    const broadcasts = rig.fake.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === CHANNEL,
    );
    // The weekly post, then one broadcast per member whose reply waited.
    expect(broadcasts.map((c) => String(c.args.text)).slice(1)).toEqual(
      users.map((user) => expect.stringMatching(new RegExp(`^<@${user}>`))),
    );
    // The one alert, raised while the token was refused, is delivered once it works.
    await until(() => dmsTo(rig!.fake, ADMIN).length > 0, 'the admin alert');
    expect(dmsTo(rig.fake, ADMIN)).toEqual([expect.stringMatching(/refused the bot token \(invalid_auth\)/)]);
  });

  it('while running: the first call refused pauses processing; later events wait and flow once it works', async () => {
    rig = await startRig();
    expect(rig.consumer.consuming()).toBe(true);
    await rig.queue.idle();
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const restore = rig.fake.failAll({ error: 'token_revoked' });
    const first = tsAt('2026-11-24T21:00:00+09:00', 1);
    await rig.postEvent(reply({ user: 'U0AAA', ts: first, threadTs: rig.threadTs, text: VELOG('U0AAA') }));
    await until(() => !rig!.consumer.consuming(), 'the consumer paused');
    // The reply in flight then is completed (recorded; its broadcast waits in the outbox), not abandoned.
    await until(() => rig!.queue.pendingCount() === 0, 'the reply in flight completed');
    expect((await rig.health()).slack).toMatchObject({ status: 'token-refused', processing: 'paused' });
    const second = tsAt('2026-11-24T21:00:00+09:00', 2);
    await rig.postEvent(reply({ user: 'U0BBB', ts: second, threadTs: rig.threadTs, text: VELOG('U0BBB') }));
    expect(rig.queue.pendingCount()).toBe(1);
    expect(linesLike(rig.log, /refuses SLACK_BOT_TOKEN \(token_revoked\)/)).toHaveLength(1);

    restore();
    await until(() => rig!.consumer.consuming(), 'the consumer resumed');
    await rig.queue.idle();
    expect(rig.queue.deadLetters()).toEqual([]);
    expect(rig.queue.pendingCount()).toBe(0);
    rig.clock.ms += 60_000;
    await rig.services.jobs.runDue(rig.clock.ms);
    const bBroadcast = () =>
      rig!.fake.calls.filter(
        (c) => c.method === 'chat.postMessage' && c.ok && String(c.args.text).startsWith('<@U0BBB>'),
      );
    expect(bBroadcast()).toHaveLength(1);
    const aBroadcast = rig.fake.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.ok && String(c.args.text).startsWith('<@U0AAA>'),
    );
    expect(aBroadcast).toHaveLength(1);
  });
});

describe('self-check: Azure, where the trigger cannot be paused', () => {
  const refusedAtStart = (restore: { end: () => void }) => (fake: FakeSlack) => {
    restore.end = fake.failAll({ error: 'invalid_auth' });
  };

  it('a delivery waits for the token inside its invocation and goes through once it works, never thrown', async () => {
    const restore = { end: () => {} };
    rig = await startRig({ before: refusedAtStart(restore), tokenRefusedHoldMs: 60_000 });
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const ts = tsAt('2026-11-24T21:00:00+09:00', 1);
    const body = reply({ user: 'U0AAA', ts, threadTs: rig.threadTs, text: VELOG('U0AAA') });
    rig.fake.applyEvent(body);
    let settled = false;
    // As the Service Bus trigger calls it (the queue consumer is paused, as locally, so only this delivery runs).
    const delivery = rig.services.processEvent
      .process({ eventId: body.event_id, event: body.event }, { messageId: body.event_id, deliveryCount: 1 })
      .finally(() => {
        settled = true;
      });
    const checks = () => rig!.fake.calls.filter((c) => c.method === 'auth.test').length;
    const before = checks();
    await until(() => checks() >= before + 3, 'three re-checks');
    expect(settled).toBe(false);
    restore.end();
    await expect(delivery).resolves.toMatchObject({ applied: true });
  });

  it('after the hold it records the event (effects left for later) instead of throwing towards dead-lettering', async () => {
    const restore = { end: () => {} };
    rig = await startRig({ before: refusedAtStart(restore), tokenRefusedHoldMs: 50 });
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const ts = tsAt('2026-11-24T21:00:00+09:00', 2);
    const body = reply({ user: 'U0BBB', ts, threadTs: rig.threadTs, text: VELOG('U0BBB') });
    rig.fake.applyEvent(body);
    const outcome = await rig.services.processEvent.process(
      { eventId: body.event_id, event: body.event },
      { messageId: body.event_id, deliveryCount: 1 },
    );
    expect(outcome).toMatchObject({ applied: true });
    expect(linesLike(rig.log, /still refuses the token/)).toHaveLength(1);
  });
});
