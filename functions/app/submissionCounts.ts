import * as z from 'zod';
import type { Store, Stored } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { type CountedSubmission, countedSubmission } from '../domain/awards.js';
import { SLACK_TS } from '../domain/calendar.js';
import type { SubmissionState, Week } from '../domain/types.js';
import type { SubmissionDoc } from './documents.js';
import { nextEventLoopTurn } from './eventLoopTurn.js';
import type { Logger } from './logger.js';

/** Where a skipped document is reported; the month is answered without it rather than not at all. */
export type SkipLog = Pick<Logger, 'warn'>;

export const skipped = (log: SkipLog | undefined, doc: { id: unknown; pk: unknown }, why: string) =>
  log?.warn(`month read: skipped malformed document ${String(doc.id)} in ${String(doc.pk)}: ${why}`);

const ts = z.string().regex(SLACK_TS);

/**
 * A stored reply state the month rules can read. Only checked, never used as parsed: the document itself is
 * kept, so nothing is lost or reshaped (a record keyed by `__proto__` included).
 */
const storedSubmissionState = z.looseObject({
  replyTs: ts,
  channel: z.string(),
  author: z.string().optional(),
  threadTs: ts.optional(),
  weekKey: z.string().optional(),
  content: z.looseObject({ text: z.string(), blockUrls: z.array(z.string()), versionTs: ts }).optional(),
  links: z.array(z.string()),
  linksByVersion: z.record(z.string(), z.boolean()),
  linkedSince: ts.optional(),
  deleted: z.boolean(),
  reactions: z.record(z.string(), z.looseObject({ added: z.boolean(), eventTs: ts })),
});

/** States already checked and readable: a shared (frozen) document version is checked once, not every read. */
const readableChecked = new WeakSet<object>();

function isReadable(doc: SubmissionDoc, log: SkipLog | undefined): boolean {
  if (readableChecked.has(doc.state)) return true;
  const checked = storedSubmissionState.safeParse(doc.state);
  if (checked.success) {
    if (Object.isFrozen(doc.state)) readableChecked.add(doc.state);
    return true;
  }
  const issue = checked.error.issues[0];
  skipped(log, doc, `state${issue?.path.map((p) => `.${String(p)}`).join('') ?? ''} ${issue?.message}`);
  return false;
}

/** Submissions counted between two turns of the event loop. */
const SLICE = 2_000;

/**
 * Each submission's count for the month (undefined: it counts for no week, or its document cannot be read, which
 * is logged). A frozen state's count (the file store's shared versions never change) is kept, weakly, per store
 * and partition while the posted weeks (keys, effective deadlines) and the rules stay the same: after a write,
 * only the submissions whose documents changed are checked and counted again.
 */
export async function countSubmissions(
  store: Store,
  pk: string,
  docs: readonly Stored<SubmissionDoc>[],
  weeks: readonly Week[],
  config: AppConfig,
  log: SkipLog | undefined,
): Promise<(CountedSubmission | undefined)[]> {
  const { counted } = countsFor(store, pk, weeks, config);
  const counts: (CountedSubmission | undefined)[] = new Array(docs.length);
  for (let i = 0; i < docs.length; i++) {
    if (i > 0 && i % SLICE === 0) await nextEventLoopTurn();
    const { state } = docs[i]!.doc;
    const known = counted.get(state);
    if (known !== undefined) {
      counts[i] = known ?? undefined;
      continue;
    }
    if (!isReadable(docs[i]!.doc, log)) continue;
    const count = countedSubmission(state, weeks, config.rules);
    if (Object.isFrozen(state)) counted.set(state, count ?? null);
    counts[i] = count;
  }
  return counts;
}

interface CountsKept {
  signature: string;
  config: AppConfig;
  /** null: the version counts for no week. */
  counted: WeakMap<SubmissionState, CountedSubmission | null>;
}

const countsKept = new WeakMap<Store, Map<string, CountsKept>>();

function countsFor(store: Store, pk: string, weeks: readonly Week[], config: AppConfig): CountsKept {
  const signature = weeks.map((week) => `${week.key}@${week.deadlineMs}`).join();
  const perStore = countsKept.get(store) ?? new Map<string, CountsKept>();
  countsKept.set(store, perStore);
  let kept = perStore.get(pk);
  if (kept?.signature !== signature || kept.config !== config) {
    kept = { signature, config, counted: new WeakMap() };
    perStore.set(pk, kept);
  }
  return kept;
}
