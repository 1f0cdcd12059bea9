import { describe, expect, it, vi } from 'vitest';

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
