/**
 * The `dead-letter` function at the handler boundary, as the Functions host calls it: the registered handler
 * with a message and an InvocationContext carrying Service Bus's trigger metadata. The store is the embedded
 * file store (Cosmos DB is the same Store port, covered by its contract suite); Slack is the loopback fake.
 */
import azureFunctions from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Store } from '../../functions/adapters/store/store.js';
import { type DeadLetterDoc, deadLetterDocId, deadLetterPartition } from '../../functions/app/documents.js';
import { AZURE_ENV } from '../support/azureEnv.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const { InvocationContext } = azureFunctions;

type Handler = (message: unknown, context: azureFunctions.InvocationContext) => Promise<void>;
const handlers = vi.hoisted(() => new Map<string, Handler>());
vi.mock('@azure/functions', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@azure/functions')>();
  const record = (name: string, options: { handler: Handler }) => handlers.set(name, options.handler);
  const app = { ...actual.app, http: record, serviceBusQueue: record, timer: record };
  return { ...actual, app, default: { ...actual, app } };
});

const stores = vi.hoisted(() => ({ current: undefined as Store | undefined }));
vi.mock('../../functions/app/openStore.js', () => ({ openStoreFor: async () => stores.current }));

const CHANNEL = 'C0TIL0001';
const ADMINS = ['U0ADMIN1', 'U0ADMIN2'];

let fake: FakeSlack;
let dir: TempDir;
let store: Store;

beforeAll(async () => {
  fake = await startFakeSlack();
  dir = await makeTempDir('dead-letter-fn');
  store = await openFileStore(dir.path);
  stores.current = store;
  for (const [name, value] of Object.entries({
    ...AZURE_ENV,
    TIL_CHANNEL_ID: CHANNEL,
    SLACK_BOT_TOKEN: 'xoxb-dead-letter-test',
    SLACK_API_URL: fake.url,
    ADMIN_USER_IDS: ADMINS.join(','),
  })) {
    vi.stubEnv(name, value);
  }
  await import('../../functions/index.js');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await store.close();
  await dir.remove();
  await fake.close();
});

const deliver = (messageId: string, body: unknown, deliveryCount = 5) =>
  handlers.get('dead-letter')!(
    body,
    new InvocationContext({
      functionName: 'dead-letter',
      triggerMetadata: {
        messageId,
        deliveryCount,
        applicationProperties: {
          DeadLetterReason: 'MaxDeliveryCountExceeded',
          DeadLetterErrorDescription: 'Message could not be consumed after 5 delivery attempts.',
        },
      },
    }),
  );

const alertsAbout = (messageId: string) =>
  fake.calls.filter(
    (c) =>
      c.ok && c.method === 'chat.postMessage' && String(c.args.text).includes(messageId) && !c.args.thread_ts,
  );
const kept = async (messageId: string) =>
  (await store.read<DeadLetterDoc>(deadLetterPartition(CHANNEL), deadLetterDocId(messageId)))?.doc;

describe('dead-letter function', () => {
  it('keeps the message in the store, with the reason from its application properties, then alerts once', async () => {
    const body = { eventId: 'Ev0DEAD1', event: { type: 'message', text: '한글 본문' } };
    await deliver('Ev0DEAD1', body);
    expect(JSON.parse((await kept('Ev0DEAD1'))!.bodyJson)).toStrictEqual(body);
    expect(await kept('Ev0DEAD1')).toMatchObject({
      messageId: 'Ev0DEAD1',
      reason: 'MaxDeliveryCountExceeded',
      description: 'Message could not be consumed after 5 delivery attempts.',
      deliveries: 5,
      alertedAt: expect.any(String),
    });
    expect(alertsAbout('Ev0DEAD1')).toHaveLength(ADMINS.length);
    expect(String(alertsAbout('Ev0DEAD1')[0]?.args.text)).toContain('MaxDeliveryCountExceeded');
    // The host delivering the same dead letter again (it was not completed, say) neither copies nor alerts twice.
    await deliver('Ev0DEAD1', body);
    expect(alertsAbout('Ev0DEAD1')).toHaveLength(ADMINS.length);
  });

  it('fails loudly when no admin could be told, keeping the copy, and alerts once Slack works again', async () => {
    // Both admins' DMs are refused (a revoked token, say).
    fake.failNext('chat.postMessage', { error: 'invalid_auth' }, ADMINS.length);
    const body = { eventId: 'Ev0DEAD2', event: { type: 'reaction_added' } };
    await expect(deliver('Ev0DEAD2', body)).rejects.toThrow(/none of the 2 admins could be told/);
    expect(await kept('Ev0DEAD2')).toMatchObject({
      bodyJson: JSON.stringify(body),
      reason: 'MaxDeliveryCountExceeded',
    });
    expect((await kept('Ev0DEAD2'))?.alertedAt).toBeUndefined();
    await deliver('Ev0DEAD2', body);
    expect(alertsAbout('Ev0DEAD2')).toHaveLength(ADMINS.length);
    expect((await kept('Ev0DEAD2'))?.alertedAt).toEqual(expect.any(String));
  });

  it('keeps a body nested thousands deep as text, whatever shape the store could not take', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 3_500; i++) deep = { d: deep };
    await deliver('Ev0DEAD3', { eventId: 'Ev0DEAD3', event: { type: 'message', deep } });
    const copy = await kept('Ev0DEAD3');
    expect(typeof copy?.bodyJson).toBe('string');
    expect(copy?.bodyJson.startsWith('{"eventId":"Ev0DEAD3"')).toBe(true);
    expect(alertsAbout('Ev0DEAD3')).toHaveLength(ADMINS.length);
  });
});
