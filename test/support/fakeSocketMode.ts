/**
 * A loopback fake of Slack's Socket Mode endpoint: a WebSocket server on 127.0.0.1 that the fake Web API's
 * apps.connections.open points at. It greets each connection with `hello`, sends envelopes as Slack does
 * (`envelope_id`, `type`, `payload`, `retry_attempt`), records the acks the app sends back, and can drop the
 * connection (the client must reconnect).
 */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FakeSlack } from './fakeSlack.js';

export interface FakeSocketMode {
  /** Connections opened so far (a reconnect opens another). */
  connections(): number;
  /** Resolves once `count` connections have been opened and greeted. */
  connected(count?: number, timeoutMs?: number): Promise<void>;
  /** Sends an envelope over the open connection; its envelope_id. */
  send(
    type: 'events_api' | 'slash_commands' | 'interactive',
    payload: unknown,
    retryAttempt?: number,
  ): string;
  /** Resolves with the ack of `envelopeId` (its `payload`), or rejects after `timeoutMs`. */
  ackOf(envelopeId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Whether `envelopeId` has been acknowledged so far. */
  acked(envelopeId: string): boolean;
  /** Closes the open connection as Slack does when it recycles one. */
  dropConnection(): void;
  close(): Promise<void>;
}

export async function startFakeSocketMode(slack: FakeSlack): Promise<FakeSocketMode> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  slack.setSocketModeUrl({ url: `ws://127.0.0.1:${port}/link/?ticket=fake` });

  let current: WebSocket | undefined;
  let opened = 0;
  let nextEnvelope = 0;
  const acks = new Map<string, Record<string, unknown>>();
  const ackWaiters = new Map<string, (payload: Record<string, unknown>) => void>();
  const connectWaiters = new Set<() => void>();

  server.on('connection', (socket) => {
    current = socket;
    opened += 1;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: Record<string, unknown> };
      if (!message.envelope_id) return;
      acks.set(message.envelope_id, message.payload ?? {});
      ackWaiters.get(message.envelope_id)?.(message.payload ?? {});
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake-socket-mode', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0FAKEAPP' },
      }),
    );
    for (const wake of connectWaiters) wake();
  });

  const fake: FakeSocketMode = {
    connections: () => opened,
    connected(count = 1, timeoutMs = 10_000) {
      if (opened >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const wake = () => {
          if (opened < count) return;
          clearTimeout(timer);
          connectWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          connectWaiters.delete(wake);
          reject(new Error(`fake Socket Mode: ${opened} of ${count} connections within ${timeoutMs} ms`));
        }, timeoutMs);
        connectWaiters.add(wake);
      });
    },
    send(type, payload, retryAttempt = 0) {
      if (!current) throw new Error('fake Socket Mode: no connection');
      const envelopeId = `fake-envelope-${++nextEnvelope}`;
      current.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          ...(type === 'events_api' && {
            retry_attempt: retryAttempt,
            retry_reason: retryAttempt ? 'timeout' : '',
          }),
        }),
      );
      return envelopeId;
    },
    ackOf(envelopeId, timeoutMs = 10_000) {
      const seen = acks.get(envelopeId);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          ackWaiters.delete(envelopeId);
          reject(new Error(`fake Socket Mode: no ack of ${envelopeId} within ${timeoutMs} ms`));
        }, timeoutMs);
        ackWaiters.set(envelopeId, (ack) => {
          clearTimeout(timer);
          ackWaiters.delete(envelopeId);
          resolve(ack);
        });
      });
    },
    acked: (envelopeId) => acks.has(envelopeId),
    dropConnection() {
      current?.terminate();
      current = undefined;
    },
    close() {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return fake;
}
