import type { AccessToken, TokenCredential } from '@azure/identity';
import type { ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createServiceBusSender,
  type ServiceBusSenderLike,
} from '../../functions/adapters/queue/serviceBusSender.js';

/** Records exactly what the adapter hands the SDK. */
function recordingSender(failWith?: Error) {
  const sent: unknown[] = [];
  let closed = false;
  const sender: ServiceBusSenderLike = {
    sendMessages: async (messages) => {
      sent.push(messages);
      if (failWith) throw failWith;
    },
    close: async () => {
      closed = true;
    },
  };
  return { sender, sent, isClosed: () => closed };
}

describe('Service Bus sender adapter', () => {
  it('fits the real SDK sender', () => {
    expectTypeOf<ServiceBusSender>().toExtend<ServiceBusSenderLike>();
  });

  it('sends messageId, sessionId, body, contentType and applicationProperties as one ServiceBusMessage', async () => {
    const { sender, sent } = recordingSender();
    await createServiceBusSender(sender).send({
      messageId: 'Ev123',
      sessionId: '2026-11',
      body: { type: 'event_callback', event: { type: 'message' } },
      contentType: 'application/vnd.til+json',
      applicationProperties: { eventType: 'message', retry: 1, fromSlackRetry: true },
    });
    expect(sent).toStrictEqual([
      {
        messageId: 'Ev123',
        sessionId: '2026-11',
        body: { type: 'event_callback', event: { type: 'message' } },
        contentType: 'application/vnd.til+json',
        applicationProperties: { eventType: 'message', retry: 1, fromSlackRetry: true },
      } satisfies ServiceBusMessage,
    ]);
  });

  it('defaults contentType to application/json and leaves applicationProperties out when there are none', async () => {
    const { sender, sent } = recordingSender();
    await createServiceBusSender(sender).send({ messageId: 'Ev1', sessionId: '2026-12', body: [1, 2] });
    expect(sent).toStrictEqual([
      { messageId: 'Ev1', sessionId: '2026-12', body: [1, 2], contentType: 'application/json' },
    ]);
  });

  it('rejects when the SDK rejects, so the caller does not acknowledge an unsent event', async () => {
    const { sender } = recordingSender(new Error('ServiceBusy'));
    await expect(
      createServiceBusSender(sender).send({ messageId: 'Ev1', sessionId: 's', body: {} }),
    ).rejects.toThrow('ServiceBusy');
  });

  it('closes the SDK sender', async () => {
    const { sender, isClosed } = recordingSender();
    await createServiceBusSender(sender).close();
    expect(isClosed()).toBe(true);
  });

  it('connects from a namespace with a token credential, lazily', async () => {
    const scopesAsked: string[] = [];
    const credential: TokenCredential = {
      getToken: async (scopes): Promise<AccessToken> => {
        scopesAsked.push(...[scopes].flat());
        return { token: 'unused', expiresOnTimestamp: Date.now() + 60_000 };
      },
    };
    const queue = createServiceBusSender.fromNamespace(
      'til.servicebus.windows.net',
      'til-events',
      credential,
    );
    await queue.close();
    // No connection is made until a message is sent, so no token was needed.
    expect(scopesAsked).toEqual([]);
  });
});
