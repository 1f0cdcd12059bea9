import { ServiceBusError } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { FakeServiceBus } from '../support/fakeServiceBus.js';

const queueName = 'til-events';

function fakeBus(maxDeliveryCount = 3) {
  const bus = new FakeServiceBus({
    queueName,
    duplicateDetectionWindowMs: 200,
    maxDeliveryCount,
    acceptTimeoutMs: 30,
  });
  return { bus, sender: bus.createSender(queueName) };
}

describe('FakeServiceBus (the SDK boundary the Service Bus adapters are tested against)', () => {
  it('refuses a message without a sessionId, as a session-enabled queue does', async () => {
    const { sender } = fakeBus();
    await expect(sender.sendMessages({ messageId: 'm', body: {} })).rejects.toBeInstanceOf(ServiceBusError);
  });

  it('locks a session to one receiver until that receiver closes', async () => {
    const { bus, sender } = fakeBus();
    await sender.sendMessages({ messageId: 'm', sessionId: 's', body: {} });
    const first = await bus.acceptNextSession(queueName);
    await expect(bus.acceptNextSession(queueName)).rejects.toMatchObject({ code: 'ServiceTimeout' });
    await first.close();
    const second = await bus.acceptNextSession(queueName);
    expect((await second.receiveMessages(1)).map(({ messageId }) => messageId)).toEqual(['m']);
  });

  it('delivers a session in sequence order and redelivers an abandoned message first', async () => {
    const { bus, sender } = fakeBus();
    await sender.sendMessages([
      { messageId: 'a', sessionId: 's', body: {} },
      { messageId: 'b', sessionId: 's', body: {} },
    ]);
    const receiver = await bus.acceptNextSession(queueName);
    const [a] = await receiver.receiveMessages(1);
    expect(a).toMatchObject({ messageId: 'a', deliveryCount: 0 });
    await receiver.abandonMessage(a!);
    const [again] = await receiver.receiveMessages(1);
    expect(again).toMatchObject({ messageId: 'a', deliveryCount: 1 });
    await receiver.completeMessage(again!);
    await expect(receiver.completeMessage(again!)).rejects.toMatchObject({ code: 'MessageLockLost' });
    expect((await receiver.receiveMessages(5)).map(({ messageId }) => messageId)).toEqual(['b']);
  });

  it('drops a messageId seen within the duplicate detection window, and not after it', async () => {
    const { bus, sender } = fakeBus();
    await sender.sendMessages({ messageId: 'dup', sessionId: 's', body: 1 });
    await sender.sendMessages({ messageId: 'dup', sessionId: 's', body: 2 });
    await new Promise((resolve) => setTimeout(resolve, 250));
    await sender.sendMessages({ messageId: 'dup', sessionId: 's', body: 3 });
    const receiver = await bus.acceptNextSession(queueName);
    const received = await receiver.receiveMessages(5, { maxWaitTimeInMs: 10 });
    expect(received.map(({ body }) => body)).toEqual([1, 3]);
  });

  it('moves a message to the dead-letter sub-queue once it has been delivered maxDeliveryCount times', async () => {
    const { bus, sender } = fakeBus(2);
    await sender.sendMessages({ messageId: 'poison', sessionId: 's', body: {} });
    const receiver = await bus.acceptNextSession(queueName);
    for (let delivery = 0; delivery < 2; delivery++) {
      const [message] = await receiver.receiveMessages(1);
      await receiver.abandonMessage(message!);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 10 })).toEqual([]);
    const deadLetters = bus.createReceiver(queueName, { subQueueType: 'deadLetter' });
    const [deadLetter] = await deadLetters.receiveMessages(1);
    expect(deadLetter).toMatchObject({
      messageId: 'poison',
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterErrorDescription: 'Message could not be consumed after 2 delivery attempts.',
    });
  });

  it('releases unsettled messages without counting a delivery when a session receiver closes', async () => {
    const { bus, sender } = fakeBus();
    await sender.sendMessages({ messageId: 'm', sessionId: 's', body: {} });
    const first = await bus.acceptNextSession(queueName);
    await first.receiveMessages(1);
    await first.close();
    const second = await bus.acceptNextSession(queueName);
    expect(await second.receiveMessages(1)).toMatchObject([{ messageId: 'm', deliveryCount: 0 }]);
  });

  it('gives up waiting when aborted', async () => {
    const { bus } = fakeBus();
    const controller = new AbortController();
    const accepting = bus.acceptNextSession(queueName, { abortSignal: controller.signal });
    controller.abort();
    await expect(accepting).rejects.toMatchObject({ name: 'AbortError' });
  });
});
