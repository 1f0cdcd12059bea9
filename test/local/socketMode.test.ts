/**
 * Socket Mode (SPEC 3.1) through Slack's own client against a loopback fake of the Socket Mode endpoint
 * (apps.connections.open on the fake Web API → a ws://127.0.0.1 URL, hello, envelopes, acks): what comes over the
 * socket goes into the same queue with the same ids as HTTP, each envelope is acknowledged once it is durable
 * (not before: a failed enqueue is not acknowledged, and Slack's redelivery is), and the client reconnects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { QueueSender } from '../../functions/adapters/queue/queue.js';
import type { MemberPrefsDoc } from '../../functions/app/documents.js';
import { CHANNEL, request, responseJson } from '../handlers/helpers.js';
import { type InProcessApp, startInProcessApp, until } from '../support/inProcessApp.js';
import { homeButtonClick, reply, slashCommand, tsAt } from '../support/slackPayloads.js';

let app: InProcessApp | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
});

const VELOG = (user: string) => `TIL <https://velog.io/@${user}/til>`;
const broadcastsOf = (a: InProcessApp, user: string) =>
  a.fake.calls.filter(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.ok &&
      c.args.channel === CHANNEL &&
      String(c.args.text).startsWith(`<@${user}>`),
  );

describe('Socket Mode', () => {
  it('an event over the socket is acknowledged, and the same event over HTTP as well is applied once', async () => {
    app = await startInProcessApp({ socketMode: true });
    const socket = app.socket!.fake;
    await socket.connected();
    await app.queue.idle();
    app.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const ts = tsAt('2026-11-24T21:00:00+09:00', 1);
    const body = reply({ user: 'U0AAA', ts, threadTs: app.threadTs, text: VELOG('U0AAA') });

    const envelopeId = socket.send('events_api', body);
    expect(await socket.ackOf(envelopeId)).toEqual({});
    expect(await app.postEvent(body)).toBe(200);
    // Slack's retry over the socket, too.
    expect(await socket.ackOf(socket.send('events_api', body, 1))).toEqual({});
    await app.queue.idle();

    const stats = await app.services.stats(
      request({ method: 'GET', path: '/api/stats', query: { month: '2026-11' } }),
    );
    expect((responseJson(stats) as { weeks: unknown[] }).weeks[0]).toMatchObject({ participants: 1 });
    expect(broadcastsOf(app, 'U0AAA')).toHaveLength(1);
    expect(app.queue.deadLetters()).toEqual([]);
  });

  it('acknowledges only what is durable: a failed enqueue is not acknowledged, Slack’s redelivery is', async () => {
    let failures = 0;
    const wrapSender = (queue: QueueSender): QueueSender => ({
      async send(message) {
        if (failures > 0) {
          failures -= 1;
          throw new Error('journal write failed (test)');
        }
        return queue.send(message);
      },
      close: () => queue.close(),
    });
    app = await startInProcessApp({ socketMode: true, wrapSender });
    const socket = app.socket!.fake;
    await socket.connected();
    await app.queue.idle();
    app.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const ts = tsAt('2026-11-24T21:00:00+09:00', 2);
    const body = reply({ user: 'U0BBB', ts, threadTs: app.threadTs, text: VELOG('U0BBB') });
    app.fake.applyEvent(body);

    failures = 1;
    const first = socket.send('events_api', body);
    await until(
      () => app!.log.lines.some((line) => line.includes(`${first} not acknowledged`)),
      'the failed enqueue reported',
    );
    expect(socket.acked(first)).toBe(false);
    expect(app.queue.pendingCount()).toBe(0);

    const redelivered = socket.send('events_api', body, 1);
    expect(await socket.ackOf(redelivered)).toEqual({});
    await app.queue.idle();
    expect(broadcastsOf(app, 'U0BBB')).toHaveLength(1);
  });

  it('reconnects when Slack drops the connection, and takes events over the new one', async () => {
    app = await startInProcessApp({ socketMode: true });
    const socket = app.socket!.fake;
    await socket.connected(1);
    socket.dropConnection();
    await socket.connected(2);
    await until(() => app!.log.lines.some((line) => /Socket Mode: connected/.test(line)), 'connected');
    app.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const ts = tsAt('2026-11-24T21:00:00+09:00', 3);
    const body = reply({ user: 'U0CCC', ts, threadTs: app.threadTs, text: VELOG('U0CCC') });
    app.fake.applyEvent(body);
    // The client may still be finishing its handshake (hello) on the new connection: resend until acknowledged,
    // as Slack redelivers what is not acknowledged.
    let acked = false;
    for (let attempt = 0; !acked && attempt < 50; attempt++) {
      const id = socket.send('events_api', body, attempt);
      acked = await socket.ackOf(id, 200).then(
        () => true,
        () => false,
      );
    }
    expect(acked).toBe(true);
    await app.queue.idle();
    expect(broadcastsOf(app, 'U0CCC')).toHaveLength(1);
  });

  it('/til over the socket: a reading subcommand is answered in the ack, a change is queued once (by trigger_id)', async () => {
    app = await startInProcessApp({ socketMode: true });
    const socket = app.socket!.fake;
    await socket.connected();
    await app.queue.idle();
    const help = slashCommand({ user: 'U0ALICE', text: 'help', responseUrl: app.fake.responseUrl('help') });
    const answer = await socket.ackOf(socket.send('slash_commands', help));
    expect(answer).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('/til') });

    const off = slashCommand({
      user: 'U0ALICE',
      text: 'remind off',
      responseUrl: app.fake.responseUrl('remind-off'),
      triggerId: '1234.5678.socket',
    });
    // Sent twice, as Slack redelivers an envelope whose ack it missed: one queue message, one answer.
    expect(await socket.ackOf(socket.send('slash_commands', off))).toEqual({});
    expect(await socket.ackOf(socket.send('slash_commands', off))).toEqual({});
    await app.queue.idle();
    const prefs = await app.store.read<MemberPrefsDoc>(`${CHANNEL}:members`, 'memberPrefs:U0ALICE');
    expect(prefs?.doc.reminders).toBe(false);
    const answers = app.fake.calls.filter(
      (c) => c.method === 'response_url' && String(c.args.url).includes('remind-off'),
    );
    expect(answers).toHaveLength(1);
  });

  it('App Home clicks over the socket are acknowledged and applied, the Home re-published', async () => {
    app = await startInProcessApp({ socketMode: true });
    const socket = app.socket!.fake;
    await socket.connected();
    await app.queue.idle();
    const click = homeButtonClick({ user: 'U0BOB', actionId: 'til_remind_off' });
    expect(await socket.ackOf(socket.send('interactive', click))).toEqual({});
    await app.queue.idle();
    const prefs = await app.store.read<MemberPrefsDoc>(`${CHANNEL}:members`, 'memberPrefs:U0BOB');
    expect(prefs?.doc.reminders).toBe(false);
    expect(
      app.fake.calls.filter((c) => c.method === 'views.publish' && c.args.user_id === 'U0BOB'),
    ).toHaveLength(1);
  });

  it('refuses what is not a Slack payload, acknowledging it (Slack would only send it again) and queuing nothing', async () => {
    app = await startInProcessApp({ socketMode: true });
    const socket = app.socket!.fake;
    await socket.connected();
    await app.queue.idle();
    const before = app.queue.pendingCount();
    expect(await socket.ackOf(socket.send('slash_commands', { command: '/til', text: 'help' }))).toEqual({});
    expect(
      await socket.ackOf(
        socket.send('events_api', { type: 'event_callback', event_id: 'Ev1', event: { type: 'message' } }),
      ),
    ).toEqual({});
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(await socket.ackOf(socket.send('interactive', deep))).toEqual({});
    expect(app.queue.pendingCount()).toBe(before);
    expect(app.log.lines.filter((line) => /socket-mode: refused/.test(line))).toHaveLength(3);
  });
});
