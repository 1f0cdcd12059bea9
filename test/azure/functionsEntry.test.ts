import { afterEach, describe, expect, it, vi } from 'vitest';

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

// Outside the Functions host (FUNCTIONS_WORKER_RUNTIME unset), importing does not read the configuration.
await import('../../functions/index.js');
const find = (name: string) => registered.find((r) => r.name === name);

describe('Azure Functions entry', () => {
  it('registers every function once', () => {
    expect(registered.map((r) => `${r.kind}:${r.name}`).sort()).toEqual([
      'http:months',
      'http:ops-tick',
      'http:slack-events',
      'http:stats',
      'serviceBusQueue:dead-letter-alert',
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
    expect(find('stats')?.options).toMatchObject({ route: 'stats', methods: ['GET', 'OPTIONS'] });
    expect(find('months')?.options).toMatchObject({ route: 'months', methods: ['GET', 'OPTIONS'] });
    // /api/admin/* is reserved by the Functions host.
    expect(find('ops-tick')?.options).toMatchObject({ route: 'ops/tick', methods: ['POST'] });
  });

  it('consumes the queue with sessions on, and its dead-letter sub-queue without', () => {
    expect(find('process-event')?.options).toMatchObject({
      connection: 'ServiceBusConnection',
      queueName: '%SERVICEBUS_QUEUE%',
      isSessionsEnabled: true,
    });
    expect(find('dead-letter-alert')?.options).toMatchObject({
      queueName: '%SERVICEBUS_QUEUE%/$deadletterqueue',
    });
    expect(find('dead-letter-alert')?.options.isSessionsEnabled).toBeUndefined();
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

  it('inside the Functions host, refuses to start on a misconfiguration, listing every problem', async () => {
    vi.stubEnv('FUNCTIONS_WORKER_RUNTIME', 'node');
    vi.stubEnv('TIL_CHANNEL_ID', undefined);
    vi.stubEnv('SLACK_SIGNING_SECRET', undefined);
    vi.stubEnv('POST_TIME', '25:00');
    const before = registered.length;
    vi.resetModules();
    const loading = import('../../functions/index.js');
    await expect(loading).rejects.toThrow(/^Invalid configuration:/);
    const message = await loading.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message).toMatch(/TIL_CHANNEL_ID/);
    expect(message).toMatch(/SLACK_SIGNING_SECRET/);
    expect(message).toMatch(/POST_TIME/);
    // Nothing was registered with the host.
    expect(registered.length).toBe(before);
  });

  const validEnv = {
    FUNCTIONS_WORKER_RUNTIME: 'node',
    TIL_CHANNEL_ID: 'C0TIL',
    SLACK_SIGNING_SECRET: 'signing-secret',
    COSMOS_ENDPOINT: 'https://til.documents.azure.com:443/',
    SERVICEBUS_NAMESPACE: 'til.servicebus.windows.net',
  };

  it('inside the Functions host, refuses to start without the Azure resources to use', async () => {
    for (const [name, value] of Object.entries({
      ...validEnv,
      COSMOS_ENDPOINT: undefined,
      SERVICEBUS_NAMESPACE: undefined,
    })) {
      vi.stubEnv(name, value);
    }
    vi.resetModules();
    await expect(import('../../functions/index.js')).rejects.toThrow(
      /COSMOS_ENDPOINT and SERVICEBUS_NAMESPACE/,
    );
  });

  it('inside the Functions host, starts and registers every function when the configuration is valid', async () => {
    for (const [name, value] of Object.entries(validEnv)) vi.stubEnv(name, value);
    const before = registered.length;
    vi.resetModules();
    await import('../../functions/index.js');
    expect(registered.length - before).toBe(7);
  });
});
