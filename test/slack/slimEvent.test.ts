/** slimEvent keeps exactly what normalizeEvent reads: the slim and the raw event normalise the same. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeEvent, type RawSlackEvent } from '../../functions/slack/envelope.js';
import { slimEvent } from '../../functions/slack/slimEvent.js';
import { CHANNEL } from '../support/localServer.js';
import { deletion, edit, reaction, reply, tsAt } from '../support/slackPayloads.js';

const ctx = { channelId: CHANNEL, botUserId: 'UBOT' };
const sameMeaning = (event: RawSlackEvent) =>
  expect(normalizeEvent(slimEvent(event), 'Ev1', ctx)).toStrictEqual(normalizeEvent(event, 'Ev1', ctx));

const ts = tsAt('2026-11-24T10:00:00+09:00', 5);
const threadTs = tsAt('2026-11-23T09:00:00+09:00', 100);

describe('slimEvent', () => {
  it('keeps what a reply, an edit, a delete and a reaction mean', () => {
    const events = [
      reply({ user: 'U0AAA', ts, threadTs, text: 'TIL <https://velog.io/@a/1|글>' }).event,
      edit({
        user: 'U0AAA',
        ts,
        threadTs,
        text: '<https://a.github.io/x>',
        editedTs: tsAt('2026-11-24T11:00:00Z'),
      }).event,
      deletion({ ts, threadTs, eventTs: tsAt('2026-11-24T12:00:00Z') }).event,
      reaction({ user: 'U0BBB', itemTs: ts, itemUser: 'U0AAA', eventTs: tsAt('2026-11-24T13:00:00Z') }).event,
      reaction({ user: 'U0BBB', itemTs: ts, itemUser: 'U0AAA', eventTs: ts, added: false, name: 'thumbsup' })
        .event,
      { type: 'app_home_opened', user: 'U0AAA', event_ts: ts },
    ];
    for (const event of events) sameMeaning(event as RawSlackEvent);
  });

  it('keeps links found only in rich-text blocks and unfurls, and drops the rest of the blocks', () => {
    const event = reply({ user: 'U0AAA', ts, threadTs, text: '오늘 배운 것' }).event as RawSlackEvent;
    Object.assign(event, {
      blocks: [
        {
          type: 'rich_text',
          elements: [
            { type: 'rich_text_section', elements: [{ type: 'text', text: '긴 본문 '.repeat(500) }] },
            { type: 'rich_text_section', elements: [{ type: 'link', url: 'https://velog.io/@a/blocks' }] },
          ],
        },
      ],
      attachments: [{ from_url: 'https://a.github.io/unfurl', text: '미리보기 '.repeat(500) }],
      client_msg_id: 'c0ffee',
      team: 'T0TEAM',
    });
    sameMeaning(event);
    const slim = JSON.stringify(slimEvent(event));
    expect(slim).toContain('https://velog.io/@a/blocks');
    expect(slim).toContain('https://a.github.io/unfurl');
    expect(slim).not.toContain('긴 본문');
    expect(slim).not.toContain('미리보기');
    expect(slim).not.toContain('c0ffee');
  });

  it('drops the previous version of an edited message', () => {
    const event = edit({ user: 'U0AAA', ts, threadTs, text: 'new', editedTs: tsAt('2026-11-24T11:00:00Z') })
      .event as RawSlackEvent;
    expect(slimEvent(event).previous_message).toBeUndefined();
    sameMeaning(event);
  });

  it('keeps the meaning of bot messages, other channels and malformed fields alike (property)', () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
    );
    fc.assert(
      fc.property(
        fc.record({
          subtype: fc.constantFrom(
            undefined,
            'bot_message',
            'thread_broadcast',
            'message_changed',
            'file_share',
          ),
          channel: fc.constantFrom(CHANNEL, 'C0OTHER'),
          user: fc.constantFrom('U0AAA', 'UBOT', undefined),
          bot_id: fc.constantFrom(undefined, 'B0BOT'),
          text: fc.oneof(fc.string(), fc.constant('<https://velog.io/@a/x>')),
          extra: value,
          blocks: fc.oneof(fc.constant(undefined), fc.constant('not an array'), fc.array(value)),
        }),
        (fields) => {
          const base = reply({ user: 'U0AAA', ts, threadTs, text: '' }).event as RawSlackEvent;
          const event = { ...base, ...fields } as RawSlackEvent;
          if (fields.subtype === 'message_changed')
            event.message = { ...base, ...fields, subtype: undefined };
          sameMeaning(event);
        },
      ),
    );
  });
});
