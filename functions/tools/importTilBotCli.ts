/**
 * `npm run import:til-bot -- --dir <dir> [--channel C…]`: imports the original bot's export into the store the
 * app uses, read from the app's own settings (TIL_CHANNEL_ID, TIME_ZONE, ALLOWED_BLOG_HOSTS, DATA_DIR, COSMOS_*).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SubmissionDoc } from '../app/documents.js';
import { describeError } from '../app/logger.js';
import { openStoreFor, storeLocation } from '../app/openStore.js';
import { type AppConfig, ConfigError, loadConfig } from '../config.js';
import { weekByKey } from '../domain/calendar.js';
import { countedLikes, countsForWeek, isLate } from '../domain/submission.js';
import type { RulesConfig } from '../domain/types.js';
import { type DataDirLock, DataDirLocked, lockDataDir } from '../local/dataDirLock.js';
import { loadEnvFile } from '../local/loadEnvFile.js';
import {
  createAbsentDocuments,
  type ImportPlan,
  parseTilBotExport,
  TilBotDataError,
  tilBotDocuments,
  type WriteReport,
} from './importTilBot.js';

const USAGE =
  'usage: npm run import:til-bot -- --dir <directory with til_timestamp.json and user_info.json> [--channel C0123ABCD]';

/** A problem the operator can fix; printed without a stack trace. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function parseCommandLine(argv: string[]): { dir: string; channel?: string } {
  let values: { dir?: string; channel?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { dir: { type: 'string' }, channel: { type: 'string' } },
    }));
  } catch (error) {
    throw new CliError(`${describeError(error)}\n${USAGE}`, 2);
  }
  if (!values.dir) throw new CliError(`--dir is required\n${USAGE}`, 2);
  return { dir: values.dir, channel: values.channel };
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${describeError(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${describeError(error)}`);
  }
}

/**
 * The imported 👍 by what our rules make of them, so the total the original counted is explained against what the
 * dashboard shows: self-likes (unless COUNT_SELF_LIKES=true), and likes on replies that count for no week.
 */
function likesBreakdown(plan: ImportPlan, rules: RulesConfig): string {
  let counted = 0;
  let selfLikes = 0;
  let unlinked = 0;
  let late = 0;
  for (const doc of plan.documents) {
    if (doc.type !== 'submission') continue;
    const { state } = doc as SubmissionDoc;
    const marks = Object.values(state.reactions).filter((mark) => mark.added).length;
    const week = state.weekKey ? weekByKey(state.weekKey, rules.timeZone) : undefined;
    if (week && countsForWeek(state, week)) {
      const likes = countedLikes(state, rules);
      counted += likes;
      selfLikes += marks - likes;
    } else if (week && isLate(state, week)) late += marks;
    else unlinked += marks;
  }
  const self = rules.countSelfLikes
    ? 'self-likes included (COUNT_SELF_LIKES=true)'
    : `${selfLikes} are self-likes (counted only with COUNT_SELF_LIKES=true)`;
  return `${counted} count, ${self}, ${unlinked} on replies without a link, ${late} on late replies`;
}

function summary(plan: ImportPlan, report: WriteReport, notes: string[], rules: RulesConfig): string {
  const { counts } = plan;
  const months = [
    ...new Set(plan.documents.flatMap((doc) => (doc.type === 'week' ? [doc.month] : []))),
  ].sort();
  const lines = [
    `  weekly threads  ${counts.threads} (${counts.weeks} weeks, ${months[0] ?? '-'} … ${months.at(-1) ?? '-'})`,
    `  replies         ${counts.replies}: ${counts.submissions} with a link, ${counts.replies - counts.submissions} without`,
    `  late            ${counts.late} (posted after their week's deadline: kept, but they count for no week)`,
    `  likes           ${counts.likes} 👍 on the replies: ${likesBreakdown(plan, rules)}`,
    `  members         ${counts.members}`,
    `  documents       ${report.created} created, ${report.unchanged} already present, ${report.kept.length} differ (kept as they are)`,
    ...notes.map((note) => `note: ${note}`),
    ...report.kept.map(
      (doc) => `kept: ${doc.id} in ${doc.pk} is already in the store and differs from the import`,
    ),
  ];
  return lines.join('\n');
}

/**
 * The embedded store belongs to one process at a time, as for `npm start`: a running server keeps its documents
 * in memory and would not see what is written under it. Cosmos DB needs no lock (the server reads it live).
 */
async function lockLocalStore(config: AppConfig): Promise<DataDirLock | undefined> {
  if (config.azure) return undefined;
  const dataDir = resolve(config.local.dataDir);
  try {
    return await lockDataDir(dataDir);
  } catch (error) {
    if (!(error instanceof DataDirLocked)) throw error;
    throw new CliError(
      `DATA_DIR ${dataDir} is in use by process ${error.holderPid} (a running npm start?): it would not see ` +
        'the imported documents. Stop it, then import, then start it again.',
    );
  }
}

async function main(argv: string[]) {
  const { dir, channel } = parseCommandLine(argv);
  // Settings may come from ./.env, as for npm start; the environment wins.
  loadEnvFile();
  // The importer never talks to Slack, so the signing secret the app requires does not matter here.
  const env = { ...process.env, SLACK_SIGNING_SECRET: 'unused-by-the-importer' };
  const config = loadConfig(channel ? { ...env, TIL_CHANNEL_ID: channel } : env);
  const source = resolve(dir);
  const data = parseTilBotExport(
    {
      tilTimestamp: await readJson(join(source, 'til_timestamp.json')),
      userInfo: await readJson(join(source, 'user_info.json')),
    },
    config.rules.timeZone,
  );
  const plan = tilBotDocuments(data, { channel: config.channelId, rules: config.rules });
  const lock = await lockLocalStore(config);
  let report: WriteReport;
  try {
    const store = await openStoreFor(config);
    try {
      report = await createAbsentDocuments(store, plan.documents);
    } finally {
      await store.close();
    }
  } finally {
    await lock?.release();
  }
  console.log(
    `Imported the til-bot export in ${source}\n  into ${storeLocation(config)}, channel ${config.channelId}, ` +
      `${config.rules.timeZone}`,
  );
  console.log(summary(plan, report, data.notes, config.rules));
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof CliError || error instanceof ConfigError || error instanceof TilBotDataError) {
    console.error(error.message);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  }
  console.error('import:til-bot failed:', error);
  process.exit(1);
});
