import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { DefaultAzureCredential } from '@azure/identity';
import { createServiceBusSender } from './adapters/queue/serviceBusSender.js';
import { consoleLogger } from './app/logger.js';
import { openStoreFor } from './app/openStore.js';
import { createServices, type Services, slackFor } from './app/services.js';
import { ConfigError, loadConfig } from './config.js';
import type { Delivery } from './handlers/processEvent.js';

/**
 * The Azure Functions entry: every function is registered here, around the same handlers `npm start` serves.
 * Services are built once per instance, on first use, with managed identity (no keys, no connection strings).
 */

/** The configuration, with the Azure resources this entry needs; throws ConfigError listing the problems. */
function azureConfig(env: NodeJS.ProcessEnv) {
  const config = loadConfig(env);
  if (!config.azure) throw new ConfigError(['COSMOS_ENDPOINT and SERVICEBUS_NAMESPACE must be set in Azure']);
  return { ...config, azure: config.azure };
}

// Inside the Functions host, a misconfiguration stops start-up with every problem listed, rather than failing
// each invocation later. Tests import this module outside the host, and skip the check.
if (process.env.FUNCTIONS_WORKER_RUNTIME) azureConfig(process.env);

let services: Promise<Services> | undefined;

/** The services, built on first use; a failed build is forgotten, so the next invocation tries again. */
function azureServices(): Promise<Services> {
  services ??= buildServices().catch((error: unknown) => {
    services = undefined;
    throw error;
  });
  return services;
}

async function buildServices(): Promise<Services> {
  const config = azureConfig(process.env);
  const log = consoleLogger(config.logLevel);
  const credential = new DefaultAzureCredential({
    managedIdentityClientId: config.azure.managedIdentityClientId,
  });
  const store = await openStoreFor(config, credential);
  const queue = createServiceBusSender.fromNamespace(
    config.azure.serviceBusNamespace,
    config.azure.serviceBusQueue,
    credential,
  );
  return createServices(config, { store, queue, slack: slackFor(config, log), log, now: Date.now });
}

function deliveryOf(context: InvocationContext): Delivery {
  return {
    messageId: String(context.triggerMetadata?.messageId ?? context.invocationId),
    deliveryCount: Number(context.triggerMetadata?.deliveryCount ?? 1),
  };
}

const http =
  (pick: (s: Services) => (request: HttpRequest, context: InvocationContext) => Promise<unknown>) =>
  async (request: HttpRequest, context: InvocationContext) =>
    pick(await azureServices())(request, context) as ReturnType<Services['stats']>;

app.http('slack-events', {
  route: 'slack/events',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: http((s) => s.slackEvents),
});

app.http('stats', {
  route: 'stats',
  methods: ['GET', 'OPTIONS'],
  authLevel: 'anonymous',
  handler: http((s) => s.stats),
});

app.http('months', {
  route: 'months',
  methods: ['GET', 'OPTIONS'],
  authLevel: 'anonymous',
  handler: http((s) => s.months),
});

// The Functions host reserves routes under /api/admin, so the tick lives at /api/ops/tick in Azure.
app.http('ops-tick', {
  route: 'ops/tick',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: http((s) => s.adminTick),
});

app.serviceBusQueue('process-event', {
  connection: 'ServiceBusConnection',
  queueName: '%SERVICEBUS_QUEUE%',
  isSessionsEnabled: true,
  handler: async (message: unknown, context: InvocationContext) => {
    await (await azureServices()).processEvent.process(message, deliveryOf(context));
  },
});

// Service Bus moves a message here after maxDeliveryCount failed deliveries; the admins hear about it.
app.serviceBusQueue('dead-letter-alert', {
  connection: 'ServiceBusConnection',
  queueName: '%SERVICEBUS_QUEUE%/$deadletterqueue',
  handler: async (_message: unknown, context: InvocationContext) => {
    const reason = String(context.triggerMetadata?.deadLetterReason ?? 'MaxDeliveryCountExceeded');
    await (await azureServices()).processEvent.deadLettered(deliveryOf(context), reason);
  },
});

// UTC NCRONTAB (time zones are not supported on Linux Consumption/Flex); the jobs decide from TIME_ZONE.
app.timer('scheduled-jobs', {
  schedule: '0 */5 * * * *',
  handler: async () => {
    await (await azureServices()).jobs.runDue(Date.now());
  },
});
