import type { ServiceBusClient } from '@azure/service-bus';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { QueueConsumer } from '../../functions/adapters/queue/queue.js';
import { FakeServiceBus } from '../support/fakeServiceBus.js';
import {
  createServiceBusSessionConsumer,
  type ServiceBusClientLike,
} from '../support/serviceBusSessionConsumer.js';
import { DeliveryLog, waitUntil } from './deliveryLog.js';

const queueName = 'til-events';

describe('Service Bus session consumer', () => {
  let consumer: QueueConsumer | undefined;
  afterEach(async () => {
    await consumer?.stop();
  });

  const setUp = (maxDeliveryCount = 2) => {
    const bus = new FakeServiceBus({
      queueName,
      duplicateDetectionWindowMs: 60_000,
      maxDeliveryCount,
      acceptTimeoutMs: 20,
    });
    consumer = createServiceBusSessionConsumer(bus, queueName, {
      maxConcurrentSessions: 2,
      sessionIdleTimeoutMs: 20,
      errorDelayMs: 10,
    });
    return { bus, consumer, sender: bus.createSender(queueName) };
  };

  it('fits the real SDK client', () => {
    expectTypeOf<ServiceBusClient>().toExtend<ServiceBusClientLike>();
  });

  it('reports deliveries counted from 1, although the SDK surfaces the zero-based AMQP count', async () => {
    const { consumer, sender } = setUp();
    const log = new DeliveryLog();
    consumer.start(
      log.handler(({ deliveryCount }) => {
        if (deliveryCount === 1) throw new Error('retry');
      }),
      log.onDeadLetter,
    );
    await sender.sendMessages({ messageId: 'm', sessionId: 's', body: 'x' });
    await waitUntil(() => log.isCompleted('m'), 'the message is handled');
    expect(log.deliveryCountsOf('m')).toEqual([1, 2]);
  });

  it('announces messages Service Bus dead-lettered while no consumer ran, with its reason and description', async () => {
    const { bus, consumer, sender } = setUp(1);
    await sender.sendMessages({ messageId: 'poison', sessionId: 's', body: { n: 1 } });
    const receiver = await bus.acceptNextSession(queueName);
    const [received] = await receiver.receiveMessages(1);
    await receiver.abandonMessage(received!);
    await receiver.close();

    const log = new DeliveryLog();
    consumer.start(log.handler(), log.onDeadLetter);
    await waitUntil(() => log.deadLetters.length === 1, 'the dead letter is announced');
    expect(log.deadLetters[0]).toMatchObject({
      message: { messageId: 'poison', sessionId: 's', body: { n: 1 } },
      reason: 'MaxDeliveryCountExceeded: Message could not be consumed after 1 delivery attempts.',
    });
    await waitUntil(() => bus.deadLetterMessageIds().length === 0, 'the dead letter is completed');
    expect(log.deliveries).toEqual([]);
  });

  it('leaves a dead letter in the sub-queue, to be announced again, when onDeadLetter fails', async () => {
    const { bus, consumer, sender } = setUp(1);
    const announced: string[] = [];
    consumer.start(
      async () => {
        throw new Error('always fails');
      },
      async ({ messageId }) => {
        announced.push(messageId);
        if (announced.length === 1) throw new Error('alerting is down');
      },
    );
    await sender.sendMessages({ messageId: 'poison', sessionId: 's', body: {} });
    await waitUntil(() => announced.length === 2, 'the dead letter is announced a second time');
    await waitUntil(() => bus.deadLetterMessageIds().length === 0, 'the dead letter is completed');
    expect(announced).toEqual(['poison', 'poison']);
  });
});
