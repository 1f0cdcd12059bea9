import * as z from 'zod';
import { DEFAULT_BLOG_HOSTS, isValidHostPattern } from './domain/links.js';
import type { RulesConfig } from './domain/types.js';
import type { Locale } from './messages/templates.js';

/**
 * Every setting, parsed once from the environment at start-up (the local server and Azure app settings use
 * the same names). Invalid or missing settings stop start-up with one message listing each problem.
 */
export interface AppConfig {
  rules: RulesConfig;
  channelId: string;
  /** "HH:mm" local time of the weekly post. */
  postTime: { hour: number; minute: number };
  dashboardUrl?: string;
  weeklyFooter?: string;
  /** `batched`: at most one like DM per submission per `likeDmMinutes`; `each`: one per change; `off`. */
  likeDm: 'batched' | 'each' | 'off';
  likeDmMinutes: number;
  /** SPEC 8: an ephemeral note on a reply that does not count. */
  replyFeedback: boolean;
  /** SPEC 8: passes a member may take in a month; 0 turns passes off. */
  passesPerMonth: number;
  /** SPEC 8: the weekly reminder's local weekday (1 = Monday … 7 = Sunday) and time; undefined = off. */
  reminderAt?: { weekday: number; hour: number; minute: number };
  /** SPEC 9: minutes between re-syncs of an open week's thread from Slack. */
  resyncMinutes: number;
  adminUserIds: string[];
  locale: Locale;
  /** `appToken` (xapp-…, local only): connect over Socket Mode as well. */
  slack: { signingSecret: string; botToken?: string; apiUrl: string; appToken?: string };
  adminToken?: string;
  local: { port: number; dataDir: string; schedulerIntervalSeconds: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Present when COSMOS_ENDPOINT is set: the store is Cosmos DB (in Azure, and for `npm start` or the tools). */
  azure?: {
    cosmosEndpoint: string;
    cosmosDatabase: string;
    cosmosContainer: string;
    /** `ServiceBusConnection__fullyQualifiedNamespace`: the one name the trigger and the sender share. */
    serviceBusNamespace?: string;
    serviceBusQueue: string;
    managedIdentityClientId?: string;
  };
}

/** The Service Bus namespace setting: the queue trigger's identity-based connection reads this very name. */
export const SERVICE_BUS_NAMESPACE_SETTING = 'ServiceBusConnection__fullyQualifiedNamespace';

export interface SettingInfo {
  name: string;
  /** Where the setting is read: `azure` (the Functions app), `local` (`npm start` and the tools). */
  hosts: readonly ('azure' | 'local')[];
  /** Supplied by the operator and kept secret (Key Vault or a secure parameter, never an output). */
  secret?: boolean;
  /** Start-up fails without it on these hosts. */
  requiredOn?: readonly ('azure' | 'local')[];
}

const both = ['azure', 'local'] as const;

/** Every setting the code reads, for the README, the Bicep cross-check and the start-up check. */
export const SETTINGS: readonly SettingInfo[] = [
  { name: 'TIL_CHANNEL_ID', hosts: both, requiredOn: both },
  { name: 'SLACK_SIGNING_SECRET', hosts: both, secret: true, requiredOn: both },
  { name: 'SLACK_BOT_TOKEN', hosts: both, secret: true },
  { name: 'SLACK_API_URL', hosts: both },
  { name: 'TIME_ZONE', hosts: both },
  { name: 'POST_TIME', hosts: both },
  { name: 'ALLOWED_BLOG_HOSTS', hosts: both },
  { name: 'DASHBOARD_URL', hosts: both },
  { name: 'WEEKLY_FOOTER', hosts: both },
  { name: 'COUNT_SELF_LIKES', hosts: both },
  { name: 'LIKE_DM', hosts: both },
  { name: 'LIKE_DM_MINUTES', hosts: both },
  { name: 'REPLY_FEEDBACK', hosts: both },
  { name: 'PASSES_PER_MONTH', hosts: both },
  { name: 'REMINDER_AT', hosts: both },
  { name: 'RESYNC_MINUTES', hosts: both },
  { name: 'ADMIN_USER_IDS', hosts: both },
  { name: 'LOCALE', hosts: both },
  { name: 'ADMIN_TOKEN', hosts: both, secret: true },
  { name: 'LOG_LEVEL', hosts: both },
  { name: 'COSMOS_ENDPOINT', hosts: both, requiredOn: ['azure'] },
  { name: 'COSMOS_DATABASE', hosts: both, requiredOn: ['azure'] },
  { name: 'COSMOS_CONTAINER', hosts: both, requiredOn: ['azure'] },
  { name: SERVICE_BUS_NAMESPACE_SETTING, hosts: ['azure'], requiredOn: ['azure'] },
  { name: 'SERVICEBUS_QUEUE', hosts: ['azure'], requiredOn: ['azure'] },
  { name: 'AZURE_CLIENT_ID', hosts: both, requiredOn: ['azure'] },
  { name: 'PORT', hosts: ['local'] },
  { name: 'DATA_DIR', hosts: ['local'] },
  { name: 'SCHEDULER_INTERVAL_SECONDS', hosts: ['local'] },
  { name: 'SLACK_APP_TOKEN', hosts: ['local'], secret: true },
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

const commaList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''], { error: 'must be true or false' })
  .optional()
  .transform((v) => v === 'true' || v === '1');

const slackUserId = /^[UW][A-Z0-9]{2,}$/;

const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
const REMINDER_AT_FORMAT = new RegExp(`^(${WEEKDAYS.join('|')})\\s+([01]\\d|2[0-3]):([0-5]\\d)$`, 'i');

function parseReminderAt(value: string | undefined): AppConfig['reminderAt'] {
  const match = value === undefined ? null : REMINDER_AT_FORMAT.exec(value);
  if (!match) return undefined;
  const weekday = WEEKDAYS.indexOf(match[1]!.toUpperCase() as (typeof WEEKDAYS)[number]) + 1;
  return { weekday, hour: Number(match[2]), minute: Number(match[3]) };
}

/** One problem naming every entry of a comma-separated list that is not `what`, so the operator finds each. */
const everyEntry =
  (isValid: (entry: string) => boolean, what: { one: string; many: string; hint: string }) =>
  (entries: string[], ctx: z.RefinementCtx) => {
    const bad = entries.filter((entry) => !isValid(entry)).map((entry) => JSON.stringify(entry));
    if (bad.length === 0) return;
    const message =
      bad.length === 1
        ? `entry ${bad[0]} is not ${what.one} (${what.hint})`
        : `entries ${bad.join(', ')} are not ${what.many} (${what.hint})`;
    ctx.addIssue({ code: 'custom', message, params: { namesTheValue: true } });
  };

/**
 * Whether the runtime knows `zone`, as luxon's `IANAZone.isValidZone` decides it (a formatter in that zone can be
 * built). The list of canonical zones answers the usual case without building one: the first formatter loads
 * ICU's zone data (~25 ms), which the Azure entry's import would otherwise pay for the check alone. Links
 * (Asia/Calcutta) and UTC are not in the list and take the formatter's word.
 */
function isKnownTimeZone(zone: string): boolean {
  if (!zone) return false;
  if (Intl.supportedValuesOf('timeZone').includes(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone }).format();
    return true;
  } catch {
    return false;
  }
}

const envSchema = z.object({
  TIME_ZONE: z
    .string()
    .default('Asia/Seoul')
    .refine(isKnownTimeZone, 'must be an IANA time zone such as Asia/Seoul'),
  POST_TIME: z
    .string()
    .default('09:00')
    .refine((t) => /^([01]\d|2[0-3]):[0-5]\d$/.test(t), 'must be HH:mm (24-hour local time), e.g. 09:00'),
  TIL_CHANNEL_ID: z
    .string({ error: 'is required (the id of the TIL channel, such as C0123ABCD)' })
    .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0123ABCD'),
  ALLOWED_BLOG_HOSTS: z
    .string()
    .optional()
    .transform((v) =>
      v?.trim()
        ? v
            .split(',')
            .map((h) => h.trim().toLowerCase())
            .filter(Boolean)
        : DEFAULT_BLOG_HOSTS,
    )
    .refine(
      (hosts) => hosts.length > 0,
      'must be a comma-separated list of host names or *.wildcard patterns',
    )
    .superRefine(
      everyEntry(isValidHostPattern, {
        one: 'a host name or *.wildcard pattern',
        many: 'host names or *.wildcard patterns',
        hint: 'such as velog.io or *.github.io',
      }),
    ),
  DASHBOARD_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  WEEKLY_FOOTER: optionalText,
  COUNT_SELF_LIKES: booleanFlag,
  LIKE_DM: z
    .enum(['batched', 'each', 'off'], { error: 'must be "batched", "each" or "off"' })
    .default('batched'),
  LIKE_DM_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1 minute')
    .max(1440, 'must be at most 1440 minutes (a day)')
    .default(15),
  REPLY_FEEDBACK: z.enum(['on', 'off'], { error: 'must be "on" or "off"' }).default('on'),
  PASSES_PER_MONTH: z.coerce
    .number({ error: 'must be a number of passes (0 turns passes off)' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(5, 'must be at most 5 (a month has at most five weeks)')
    .default(0),
  REMINDER_AT: optionalText.refine(
    (v) => v === undefined || REMINDER_AT_FORMAT.test(v),
    'must be a weekday and a local time such as SUN 18:00 (MON…SUN, HH:mm)',
  ),
  RESYNC_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number of minutes')
    .min(5, 'must be at least 5 minutes (Slack rate-limits thread reads)')
    .max(1440, 'must be at most 1440 minutes (a day)')
    .default(60),
  ADMIN_USER_IDS: commaList.superRefine(
    everyEntry((id) => slackUserId.test(id), {
      one: 'a Slack user id',
      many: 'Slack user ids',
      hint: 'such as U0123ABCD; a comma-separated list',
    }),
  ),
  LOCALE: z.enum(['ko', 'en'], { error: 'must be "ko" or "en"' }).default('ko'),
  SLACK_SIGNING_SECRET: z
    .string({ error: 'is required (Slack app → Basic Information → Signing Secret)' })
    .trim()
    .min(1),
  SLACK_BOT_TOKEN: optionalText.refine(
    (t) => t === undefined || t.startsWith('xoxb-'),
    'must be a bot token starting with xoxb-',
  ),
  SLACK_APP_TOKEN: optionalText.refine(
    (t) => t === undefined || t.startsWith('xapp-'),
    'must be an app-level token starting with xapp- (Basic Information → App-Level Tokens, scope connections:write)',
  ),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://slack.com/api/')
    .transform((u) => (u.endsWith('/') ? u : `${u}/`)),
  ADMIN_TOKEN: optionalText.refine(
    (t) => t === undefined || t.length >= 16,
    'must be at least 16 characters when set',
  ),
  PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(7071),
  DATA_DIR: z.string().min(1).default('./.data'),
  SCHEDULER_INTERVAL_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds (0 turns the in-process scheduler off)' })
    .int()
    .min(0)
    .default(60),
  LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'], { error: 'must be debug, info, warn or error' })
    .default('info'),
  COSMOS_ENDPOINT: z
    .url({
      protocol: /^https?$/,
      error: 'must be the account URL, https://<account>.documents.azure.com:443/',
    })
    .optional(),
  COSMOS_DATABASE: z.string().trim().min(1).default('til'),
  COSMOS_CONTAINER: z.string().trim().min(1).default('challenge'),
  [SERVICE_BUS_NAMESPACE_SETTING]: z
    .string()
    .trim()
    .regex(
      /^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+$/i,
      'must be a host name such as til-bus.servicebus.windows.net',
    )
    .optional(),
  SERVICEBUS_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/, 'must be a Service Bus queue name')
    .default('slack-events'),
  AZURE_CLIENT_ID: optionalText,
});

/** The names loadConfig parses, for the test that keeps SETTINGS complete. */
export const parsedSettingNames = (): string[] => Object.keys(envSchema.shape);

type Env = NodeJS.ProcessEnv | Record<string, string | undefined>;

const SECRET_SETTINGS = new Set(SETTINGS.filter((s) => s.secret).map((s) => s.name));
const MAX_ECHOED_CHARS = 40;

/**
 * `NAME message (got "value")`: the value an operator set, so they see what was read (a stray quote, a space),
 * cut short, and never for a secret, which is named only.
 */
function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string>): string {
  const name = String(issue.path[0] ?? 'environment');
  const value = env[name];
  const namesTheValue = issue.code === 'custom' && issue.params?.namesTheValue === true;
  if (value === undefined || SECRET_SETTINGS.has(name) || namesTheValue) return `${name} ${issue.message}`;
  const shown = value.length > MAX_ECHOED_CHARS ? `${value.slice(0, MAX_ECHOED_CHARS)}…` : value;
  return `${name} ${issue.message} (got ${JSON.stringify(shown)})`;
}

/**
 * Parses the environment; throws ConfigError listing every problem at once. On `host: 'azure'` the settings the
 * Functions app needs are required as well, and named explicitly (the trigger resolves `%SERVICEBUS_QUEUE%` from
 * the app settings, so a default in code would not reach it).
 */
export function loadConfig(env: Env, host: 'azure' | 'local' = 'local'): AppConfig {
  // Empty or whitespace-only values (a cleared app setting, `FOO=` in a .env file) count as unset.
  const blankAsMissing: Record<string, string> = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== '',
    ),
  );
  // Required-on-this-host is checked on the raw settings so its problems are listed with every other one.
  const schemaRequired = new Set(['TIL_CHANNEL_ID', 'SLACK_SIGNING_SECRET']);
  const problems = SETTINGS.filter(
    (s) => s.requiredOn?.includes(host) && !schemaRequired.has(s.name) && !blankAsMissing[s.name],
  ).map((s) => `${s.name} is required in Azure (set it as an app setting; infra/ does)`);
  const parsed = envSchema.safeParse(blankAsMissing);
  if (!parsed.success)
    problems.unshift(...parsed.error.issues.map((issue) => describeIssue(issue, blankAsMissing)));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const [hour, minute] = e.POST_TIME.split(':').map(Number) as [number, number];
  return {
    rules: {
      timeZone: e.TIME_ZONE,
      allowedBlogHosts: e.ALLOWED_BLOG_HOSTS,
      countSelfLikes: e.COUNT_SELF_LIKES,
    },
    channelId: e.TIL_CHANNEL_ID,
    postTime: { hour, minute },
    dashboardUrl: e.DASHBOARD_URL,
    weeklyFooter: e.WEEKLY_FOOTER,
    likeDm: e.LIKE_DM,
    likeDmMinutes: e.LIKE_DM_MINUTES,
    replyFeedback: e.REPLY_FEEDBACK === 'on',
    passesPerMonth: e.PASSES_PER_MONTH,
    reminderAt: parseReminderAt(e.REMINDER_AT),
    resyncMinutes: e.RESYNC_MINUTES,
    adminUserIds: e.ADMIN_USER_IDS,
    locale: e.LOCALE,
    slack: {
      signingSecret: e.SLACK_SIGNING_SECRET,
      botToken: e.SLACK_BOT_TOKEN,
      apiUrl: e.SLACK_API_URL,
      appToken: e.SLACK_APP_TOKEN,
    },
    adminToken: e.ADMIN_TOKEN,
    local: { port: e.PORT, dataDir: e.DATA_DIR, schedulerIntervalSeconds: e.SCHEDULER_INTERVAL_SECONDS },
    logLevel: e.LOG_LEVEL,
    azure: e.COSMOS_ENDPOINT
      ? {
          cosmosEndpoint: e.COSMOS_ENDPOINT,
          cosmosDatabase: e.COSMOS_DATABASE,
          cosmosContainer: e.COSMOS_CONTAINER,
          serviceBusNamespace: e[SERVICE_BUS_NAMESPACE_SETTING],
          serviceBusQueue: e.SERVICEBUS_QUEUE,
          managedIdentityClientId: e.AZURE_CLIENT_ID,
        }
      : undefined,
  };
}
