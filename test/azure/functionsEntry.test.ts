import { InvocationContext } from '@azure/functions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConfigError } from '../../functions/config.js';
import { AZURE_ENV } from '../support/azureEnv.js';

/**
 * The Functions host cannot run here, so this checks what the entry module registers with `app.*`: the names,
 * routes, methods and trigger options the host would read.
 */
const registered = vi.hoisted(() => [] as { kind: string; name: string; options: Record<string, unknown> }[]);

vi.mock('@azure/functions', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@azure/functions')>();
  const record = (kind: string) => (name: string, options: Record<string, unknown>) =>
    registered.push({ kind, name, options });
  return {
    ...actual,
    app: {
      ...actual.app,
      http: record('http'),
      serviceBusQueue: record('serviceBusQueue'),
      timer: record('timer'),
    },
  };
});

// The real loadConfig, wrapped so a test can make one call fail.
const loadConfig = vi.hoisted(() => vi.fn());
vi.mock('../../functions/config.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../functions/config.js')>();
  loadConfig.mockImplementation(actual.loadConfig);
  return { ...actual, loadConfig };
});

// Outside the Functions host (no @azure/functions-core to load), importing does not read the configuration.
const entry = await import('../../functions/index.js');
const find = (name: string) => registered.find((r) => r.name === name);

describe('Azure Functions entry', () => {
  it('registers every function once', () => {
    expect(registered.map((r) => `${r.kind}:${r.name}`).sort()).toEqual([
      'http:health',
      'http:history',
      'http:months',
      'http:ops-tick',
      'http:slack-commands',
      'http:slack-events',
      'http:slack-interactions',
      'http:stats',
      'serviceBusQueue:dead-letter',
      'serviceBusQueue:process-event',
      'timer:scheduled-jobs',
    ]);
  });

  it('serves the SPEC routes anonymously (Slack signs its requests; the read API is public)', () => {
    expect(find('slack-events')?.options).toMatchObject({
      route: 'slack/events',
      methods: ['POST'],
      authLevel: 'anonymous',
    });
    expect(find('slack-commands')?.options).toMatchObject({ route: 'slack/commands', methods: ['POST'] });
    expect(find('slack-interactions')?.options).toMatchObject({
      route: 'slack/interactions',
      methods: ['POST'],
    });
    expect(find('stats')?.options).toMatchObject({ route: 'stats', methods: ['GET', 'OPTIONS'] });
    expect(find('months')?.options).toMatchObject({ route: 'months', methods: ['GET', 'OPTIONS'] });
    expect(find('history')?.options).toMatchObject({ route: 'history', methods: ['GET', 'OPTIONS'] });
    for (const r of registered.filter((r) => r.kind === 'http')) {
      expect(r.options.authLevel, r.name).toBe('anonymous');
    }
    // /api/admin/* is reserved by the Functions host.
    expect(find('ops-tick')?.options).toMatchObject({ route: 'ops/tick', methods: ['POST'] });
  });

  it('consumes the queue with sessions on, and its dead-letter sub-queue without', () => {
    expect(find('process-event')?.options).toMatchObject({
      connection: 'ServiceBusConnection',
      queueName: '%SERVICEBUS_QUEUE%',
      isSessionsEnabled: true,
    });
    expect(find('dead-letter')?.options).toMatchObject({
      queueName: '%SERVICEBUS_QUEUE%/$deadletterqueue',
    });
    expect(find('dead-letter')?.options.isSessionsEnabled).toBeUndefined();
  });

  it('ticks on a UTC schedule often enough for any POST_TIME minute within five minutes', () => {
    expect(find('scheduled-jobs')?.options.schedule).toBe('0 */5 * * * *');
  });

  it('every handler is a function', () => {
    for (const r of registered) expect(typeof r.options.handler, r.name).toBe('function');
  });
});

describe('Azure Functions entry: configuration and services', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('builds the services again after a failed attempt, so one transient failure does not stick', async () => {
    const tick = find('scheduled-jobs')?.options.handler as () => Promise<void>;
    loadConfig.mockImplementationOnce(() => {
      throw new Error('Cosmos DB unreachable');
    });
    await expect(tick()).rejects.toThrow('Cosmos DB unreachable');
    loadConfig.mockImplementationOnce(() => {
      throw new Error('second attempt');
    });
    await expect(tick()).rejects.toThrow('second attempt');
  });

  it('accepts a complete Azure configuration, with the namespace from the trigger connection setting', () => {
    expect(entry.azureConfig(AZURE_ENV).azure).toStrictEqual({
      cosmosEndpoint: AZURE_ENV.COSMOS_ENDPOINT,
      cosmosDatabase: 'til',
      cosmosContainer: 'challenge',
      serviceBusNamespace: 'til.servicebus.windows.net',
      serviceBusQueue: 'slack-events',
      managedIdentityClientId: AZURE_ENV.AZURE_CLIENT_ID,
    });
  });

  it('in Azure, requires every setting the triggers and clients read, each named, none defaulted', () => {
    for (const name of Object.keys(AZURE_ENV)) {
      const env: Record<string, string | undefined> = { ...AZURE_ENV, [name]: undefined };
      expect(() => entry.azureConfig(env), name).toThrow(new RegExp(`\\b${name} `));
    }
    const problems = (() => {
      try {
        entry.azureConfig({ POST_TIME: '25:00' });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    })();
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(
      [...Object.keys(AZURE_ENV), 'POST_TIME'].sort(),
    );
  });

  it('reads the dead-letter reason from the application properties, whatever their key casing', () => {
    const context = (applicationProperties: unknown) =>
      new InvocationContext({
        triggerMetadata: { messageId: 'Ev1', deliveryCount: 5, applicationProperties },
      });
    expect(
      entry.deadLetterOf(
        { eventId: 'Ev1' },
        context({
          DeadLetterReason: 'MaxDeliveryCountExceeded',
          DeadLetterErrorDescription: 'tried 5 times',
        }),
      ),
    ).toStrictEqual({
      messageId: 'Ev1',
      deliveryCount: 5,
      body: { eventId: 'Ev1' },
      reason: 'MaxDeliveryCountExceeded',
      description: 'tried 5 times',
    });
    expect(entry.deadLetterOf({}, context({ deadLetterReason: 'TTLExpiredException' })).reason).toBe(
      'TTLExpiredException',
    );
    expect(entry.deadLetterOf({}, context(undefined)).reason).toMatch(/^unknown/);
  });
});
