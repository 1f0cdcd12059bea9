/** Shared pieces of the handler tests: a recording queue, quiet loggers, request builders, service wiring. */
import azureFunctions from '@azure/functions';
import type { OutgoingMessage, QueueSender } from '../../functions/adapters/queue/queue.js';
import type { SlackPort } from '../../functions/adapters/slack/slack.js';
import { createWebApiSlack } from '../../functions/adapters/slack/webApiSlack.js';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Store } from '../../functions/adapters/store/store.js';
import type { Logger } from '../../functions/app/logger.js';
import { loadConfig } from '../../functions/config.js';
import { createServices, type Services } from '../../functions/services.js';
import type { FakeSlack } from '../support/fakeSlack.js';
import { CHANNEL } from '../support/localServer.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

// The package is CommonJS: its classes only exist on the default export under ESM.
const { HttpRequest, InvocationContext } = azureFunctions;

export const SECRET = 'handler-test-signing-secret-0123';
export const BOT_TOKEN = 'xoxb-handler-test-token-4567';
export { CHANNEL };

/** The settings every handler test starts from; tests add or override single settings. */
export const baseEnv: Record<string, string> = {
  TIL_CHANNEL_ID: CHANNEL,
  SLACK_SIGNING_SECRET: SECRET,
};

/** A QueueSender that keeps what it was given (as the queue would: a JSON copy) and can be told to fail. */
export interface RecordingQueue extends QueueSender {
  sent: OutgoingMessage[];
  failWith(error: Error | undefined): void;
}

export function recordingQueue(): RecordingQueue {
  const sent: OutgoingMessage[] = [];
  let failure: Error | undefined;
  return {
    sent,
    failWith(error) {
      failure = error;
    },
    async send(message) {
      if (failure) throw failure;
      sent.push(JSON.parse(JSON.stringify(message)) as OutgoingMessage);
    },
    async close() {},
  };
}

export interface CapturedLog extends Logger {
  lines: string[];
}

/** A Logger that keeps `LEVEL message` lines instead of printing them. */
export function capturedLog(): CapturedLog {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** An InvocationContext like the host's, logging into `lines`. */
export function invocationContext(functionName: string, lines: string[] = []) {
  return new InvocationContext({
    functionName,
    logHandler: (level, ...args) => {
      lines.push(`${level} ${args.map(String).join(' ')}`);
    },
  });
}

export function request(init: {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  query?: Record<string, string>;
}) {
  const body =
    init.body === undefined
      ? undefined
      : typeof init.body === 'string'
        ? { string: init.body }
        : { bytes: init.body };
  return new HttpRequest({
    method: init.method,
    url: `http://localhost:7071${init.path}`,
    headers: init.headers ?? {},
    query: init.query,
    body,
  });
}

/**
 * A handler's JSON answer as it goes over the wire, however the handler gave it: `jsonBody`, or bytes it
 * serialised itself (the kept stats and history answers); null when there is none.
 */
export function responseJson(response: azureFunctions.HttpResponseInit): unknown {
  if (response.jsonBody !== undefined) return JSON.parse(JSON.stringify(response.jsonBody));
  if (response.body instanceof Uint8Array) return JSON.parse(Buffer.from(response.body).toString('utf8'));
  if (response.body === undefined || response.body === null) return null;
  throw new Error(`responseJson: a body of type ${typeof response.body} is not JSON bytes`);
}

/** A Slack-format ts for an ISO instant, with a distinguishing microsecond part. */
export function tsAt(iso: string, micros = 1): string {
  return `${Math.floor(Date.parse(iso) / 1000)}.${String(micros).padStart(6, '0')}`;
}

/** Web API Slack against the loopback fake, with quick retries so failing calls give up fast. */
export function webApiSlack(fake: FakeSlack, log: Logger): SlackPort {
  return createWebApiSlack({
    token: BOT_TOKEN,
    apiUrl: fake.url,
    logger: log,
    retryConfig: { retries: 1, factor: 1, minTimeout: 5, maxTimeout: 5 },
  });
}

export interface Harness {
  services: Services;
  store: Store;
  queue: RecordingQueue;
  log: CapturedLog;
  dir: TempDir;
  dispose(): Promise<void>;
}

/** createServices as both hosts call it, over a fresh file store in a temp dir. */
export async function harness(options: {
  env?: Record<string, string>;
  slack: SlackPort;
  now?: () => number;
  wrapStore?: (store: Store) => Store;
}): Promise<Harness> {
  const dir = await makeTempDir('handlers');
  const fileStore = await openFileStore(dir.path);
  const store = options.wrapStore ? options.wrapStore(fileStore) : fileStore;
  const queue = recordingQueue();
  const log = capturedLog();
  const config = loadConfig({ ...baseEnv, ...options.env });
  const services = createServices(config, {
    store,
    queue,
    slack: options.slack,
    log,
    now: options.now ?? Date.now,
  });
  return {
    services,
    store,
    queue,
    log,
    dir,
    async dispose() {
      await fileStore.close();
      await dir.remove();
    },
  };
}
