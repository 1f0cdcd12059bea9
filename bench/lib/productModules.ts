/**
 * The product's modules the bench calls in-process (to fill stores, and for the in-process comparisons), loaded
 * from the build the servers run (bench/lib/build.ts), never from the working tree: a run measures one version.
 * Only their types come from the working tree.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as EmbeddedQueue from '../../functions/adapters/queue/embeddedQueue.js';
import type * as Queue from '../../functions/adapters/queue/queue.js';
import type * as DryRunSlack from '../../functions/adapters/slack/dryRunSlack.js';
import type * as FileStore from '../../functions/adapters/store/fileStore.js';
import type * as Logger from '../../functions/app/logger.js';
import type * as Config from '../../functions/config.js';
import type * as Calendar from '../../functions/domain/calendar.js';
import type * as SlackEvents from '../../functions/handlers/slackEvents.js';
import type * as LocalRequest from '../../functions/local/localRequest.js';
import type * as NodeHeaders from '../../functions/local/nodeHeaders.js';
import type * as Services from '../../functions/services.js';
import type * as ImportTilBot from '../../functions/tools/importTilBot.js';
import type * as FakeSlack from '../../test/support/fakeSlack.js';
import type { Builds } from './build.js';

export interface ProductModules {
  fileStore: typeof FileStore;
  config: typeof Config;
  calendar: typeof Calendar;
  importTilBot: typeof ImportTilBot;
  embeddedQueue: typeof EmbeddedQueue;
  queue: typeof Queue;
  dryRunSlack: typeof DryRunSlack;
  logger: typeof Logger;
  services: typeof Services;
  fakeSlack: typeof FakeSlack;
  /** The signed events route as npm start runs it (the request path comparison of bench/micro.ts). */
  slackEvents: typeof SlackEvents;
  localRequest: typeof LocalRequest;
  nodeHeaders: typeof NodeHeaders;
}

let loaded: ProductModules | undefined;

/** The first of `candidates` (paths under the build's dist) that exists: modules move between commits. */
async function load<T>(root: string, candidates: string[]): Promise<T> {
  const found = candidates.map((c) => join(root, c)).find((path) => existsSync(path));
  if (!found) throw new Error(`none of ${candidates.join(', ')} in ${root}`);
  return (await import(pathToFileURL(found).href)) as T;
}

export async function loadProductModules(builds: Builds): Promise<void> {
  const dist = builds.distDir;
  loaded = {
    fileStore: await load(dist, ['functions/adapters/store/fileStore.js']),
    config: await load(dist, ['functions/config.js']),
    calendar: await load(dist, ['functions/domain/calendar.js']),
    importTilBot: await load(dist, ['functions/tools/importTilBot.js']),
    embeddedQueue: await load(dist, ['functions/adapters/queue/embeddedQueue.js']),
    queue: await load(dist, ['functions/adapters/queue/queue.js']),
    dryRunSlack: await load(dist, ['functions/adapters/slack/dryRunSlack.js']),
    logger: await load(dist, ['functions/app/logger.js']),
    services: await load(dist, ['functions/services.js', 'functions/app/services.js']),
    slackEvents: await load(dist, ['functions/handlers/slackEvents.js']),
    localRequest: await load(dist, ['functions/local/localRequest.js']),
    nodeHeaders: await load(dist, ['functions/local/nodeHeaders.js']),
    // Test support, not built: tsx (which runs the bench) loads the TypeScript.
    fakeSlack: await load(builds.sourceRoot, ['test/support/fakeSlack.ts']),
  };
}

export function product(): ProductModules {
  if (!loaded) throw new Error('the product modules are not loaded (loadProductModules first)');
  return loaded;
}
