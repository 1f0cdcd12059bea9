import { createRequire } from 'node:module';
import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { consoleLogger } from './app/logger.js';
import { ConfigError, loadConfig } from './config.js';
import type { DeadLetter, Delivery } from './handlers/processEvent.js';
import type { Services } from './services.js';

/**
 * The Azure Functions entry: every function is registered here, around the same handlers `npm start` serves.
 * Services are built once per instance, on first use, with managed identity (no keys, no connection strings);
 * the SDKs (Cosmos DB, Service Bus, identity) and the app itself load then, off the cold-start import path.
 */

/** The configuration with every Azure setting present; throws ConfigError listing each problem. */
export function azureConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>) {
  const config = loadConfig(env, 'azure');
  const { azure } = config;
  if (!azure?.serviceBusNamespace) throw new ConfigError(['the Azure settings are incomplete']);
  return { ...config, azure: { ...azure, serviceBusNamespace: azure.serviceBusNamespace } };
}

/**
 * Whether this module runs inside a Functions worker: the worker provides `@azure/functions-core` (it is no npm
 * package). No app setting tells it on every plan: Flex Consumption does not set FUNCTIONS_WORKER_RUNTIME.
 */
function insideFunctionsHost(): boolean {
  try {
    createRequire(import.meta.url)('@azure/functions-core');
    return true;
  } catch {
    return false;
  }
}

// Inside the host, a misconfiguration stops start-up with every problem listed, rather than failing each
// invocation later. Tests import this module outside the host, and skip the check.
if (insideFunctionsHost()) azureConfig(process.env);

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
  const [
    { DefaultAzureCredential },
    { createServiceBusSender },
    { openStoreFor },
    { createServices, slackFor },
  ] = await Promise.all([
    import('@azure/identity'),
    import('./adapters/queue/serviceBusSender.js'),
    import('./app/openStore.js'),
    import('./services.js'),
  ]);
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
  const built = createServices(config, {
    store,
    queue,
    slack: slackFor(config, log),
    log,
    now: Date.now,
    host: 'azure',
    tokenRefusedHoldMs: AZURE_TOKEN_REFUSED_HOLD_MS,
  });
  // The self-check runs on first use, logged once per instance; /api/health shows it.
  void built.selfCheck.firstReport();
  return built;
}

/**
 * The trigger cannot be paused from code, and a thrown delivery counts towards dead-lettering: while Slack refuses
 * the token a delivery waits (the session's lock is renewed for up to 30 minutes, host.json) and flows the moment
 * a re-check finds the token working; after 10 minutes it is recorded anyway, its effects left in the outbox.
 */
const AZURE_TOKEN_REFUSED_HOLD_MS = 10 * 60_000;

function deliveryOf(context: InvocationContext): Delivery {
  return {
    messageId: String(context.triggerMetadata?.messageId ?? context.invocationId),
    deliveryCount: Number(context.triggerMetadata?.deliveryCount ?? 1),
  };
}

/**
 * Service Bus records why it dead-lettered a message in the message's application properties
 * (`DeadLetterReason`, `DeadLetterErrorDescription`); the trigger hands them over under `applicationProperties`,
 * with the worker's camel-casing of keys applied or not, depending on its version.
 */
export function deadLetterOf(message: unknown, context: InvocationContext): DeadLetter {
  const properties = context.triggerMetadata?.applicationProperties;
  const property = (name: string): string | undefined => {
    if (typeof properties !== 'object' || properties === null) return undefined;
    const entry = Object.entries(properties).find(([key]) => key.toLowerCase() === name.toLowerCase());
    return entry && entry[1] !== undefined && entry[1] !== null ? String(entry[1]) : undefined;
  };
  const sessionId = context.triggerMetadata?.sessionId;
  return {
    ...deliveryOf(context),
    ...(typeof sessionId === 'string' && sessionId && { sessionId }),
    body: message,
    reason: property('DeadLetterReason') ?? 'unknown (no DeadLetterReason on the message)',
    description: property('DeadLetterErrorDescription'),
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

app.http('slack-commands', {
  route: 'slack/commands',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: http((s) => s.slackCommands),
});

app.http('slack-interactions', {
  route: 'slack/interactions',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: http((s) => s.slackInteractions),
});

for (const name of ['stats', 'months', 'history'] as const) {
  app.http(name, {
    route: name,
    methods: ['GET', 'OPTIONS'],
    authLevel: 'anonymous',
    handler: http((s) => s[name]),
  });
}

app.http('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: http((s) => s.health),
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

// Service Bus moves a message here after maxDeliveryCount failed deliveries. It is copied into the store and the
// admins are told before the trigger completes it (completing deletes Service Bus's copy); if either fails, the
// handler throws and the dead letter is delivered again.
app.serviceBusQueue('dead-letter', {
  connection: 'ServiceBusConnection',
  queueName: '%SERVICEBUS_QUEUE%/$deadletterqueue',
  handler: async (message: unknown, context: InvocationContext) => {
    await (await azureServices()).processEvent.deadLettered(deadLetterOf(message, context));
  },
});

// UTC NCRONTAB (time zones are not supported on Linux Consumption/Flex); the jobs decide from TIME_ZONE.
app.timer('scheduled-jobs', {
  schedule: '0 */5 * * * *',
  handler: async () => {
    await (await azureServices()).jobs.runDue(Date.now());
  },
});
