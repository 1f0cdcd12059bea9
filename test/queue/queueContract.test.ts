import { openEmbeddedQueue } from '../../functions/adapters/queue/embeddedQueue.js';
import { createServiceBusSender } from '../../functions/adapters/queue/serviceBusSender.js';
import { FakeServiceBus } from '../support/fakeServiceBus.js';
import { createServiceBusSessionConsumer } from '../support/serviceBusSessionConsumer.js';
import { makeTempDir } from '../support/tempDir.js';
import { describeQueueContract } from './queueContract.js';

describeQueueContract('embedded queue', async (options) => {
  const dir = await makeTempDir('embedded-queue');
  const queue = await openEmbeddedQueue(dir.path, { ...options, retryDelayMs: 10 });
  return {
    sender: queue,
    consumer: queue,
    dispose: async () => {
      await queue.close();
      await dir.remove();
    },
  };
});

describeQueueContract('Service Bus adapters over the SDK fake', async (options) => {
  const queueName = 'til-events';
  const bus = new FakeServiceBus({ queueName, ...options, acceptTimeoutMs: 50 });
  const sender = createServiceBusSender(bus.createSender(queueName));
  const consumer = createServiceBusSessionConsumer(bus, queueName, {
    maxConcurrentSessions: options.maxConcurrentSessions,
    sessionIdleTimeoutMs: 20,
    errorDelayMs: 20,
  });
  return {
    sender,
    consumer,
    dispose: async () => {
      await consumer.stop();
      await sender.close();
    },
  };
});
