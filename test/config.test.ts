/** loadConfig: defaults, every invalid setting named, all problems in one error, blank = missing, Azure pairing. */

import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  type AppConfig,
  ConfigError,
  loadConfig,
  parsedSettingNames,
  SETTINGS,
} from '../functions/config.js';

const required = { TIL_CHANNEL_ID: 'C0TIL0001', SLACK_SIGNING_SECRET: 'signing-secret-abc' };

/** The ConfigError loadConfig throws for `env` (fails the test when it does not throw one). */
function problemsOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('reads the members and operators settings (SPEC 8, 9)', () => {
    const config = loadConfig({
      ...required,
      LIKE_DM: 'batched',
      LIKE_DM_MINUTES: '30',
      REPLY_FEEDBACK: 'off',
      PASSES_PER_MONTH: '2',
      REMINDER_AT: 'sun 18:30',
      RESYNC_MINUTES: '15',
      SLACK_APP_TOKEN: 'xapp-1-A0-1-abc',
    });
    expect(config).toMatchObject({
      likeDm: 'batched',
      likeDmMinutes: 30,
      replyFeedback: false,
      passesPerMonth: 2,
      reminderAt: { weekday: 7, hour: 18, minute: 30 },
      resyncMinutes: 15,
      slack: { appToken: 'xapp-1-A0-1-abc' },
    });
    expect(loadConfig({ ...required, REMINDER_AT: 'MON 09:05' }).reminderAt).toEqual({
      weekday: 1,
      hour: 9,
      minute: 5,
    });
  });

  it('names each bad members or operators setting', () => {
    const error = problemsOf({
      ...required,
      LIKE_DM: 'sometimes',
      LIKE_DM_MINUTES: '0',
      REPLY_FEEDBACK: 'yes',
      PASSES_PER_MONTH: '-1',
      REMINDER_AT: 'Sunday 6pm',
      RESYNC_MINUTES: '1',
      SLACK_APP_TOKEN: 'xoxb-not-an-app-token',
    });
    const text = error.problems.join('\n');
    for (const name of [
      'LIKE_DM ',
      'LIKE_DM_MINUTES',
      'REPLY_FEEDBACK',
      'PASSES_PER_MONTH',
      'REMINDER_AT',
      'RESYNC_MINUTES',
      'SLACK_APP_TOKEN',
    ])
      expect(text).toContain(name);
    expect(text).not.toContain('xoxb-not-an-app-token');
    expect(error.problems).toHaveLength(7);
  });

  it('fills every default from the two required settings', () => {
    expect(loadConfig(required)).toStrictEqual<AppConfig>({
      rules: {
        timeZone: 'Asia/Seoul',
        allowedBlogHosts: ['velog.io', '*.github.io', 'github.com', 'blog.naver.com', 'm.blog.naver.com'],
        countSelfLikes: false,
      },
      channelId: 'C0TIL0001',
      postTime: { hour: 9, minute: 0 },
      dashboardUrl: undefined,
      weeklyFooter: undefined,
      likeDm: 'batched',
      likeDmMinutes: 15,
      replyFeedback: true,
      passesPerMonth: 0,
      reminderAt: undefined,
      resyncMinutes: 60,
      adminUserIds: [],
      locale: 'ko',
      slack: {
        signingSecret: 'signing-secret-abc',
        botToken: undefined,
        apiUrl: 'https://slack.com/api/',
        appToken: undefined,
      },
      adminToken: undefined,
      local: { port: 7071, dataDir: './.data', schedulerIntervalSeconds: 60 },
      logLevel: 'info',
      azure: undefined,
    });
  });

  it.each(['Asia/Seoul', 'UTC', 'Etc/GMT-9', 'Asia/Calcutta', 'US/Eastern'])(
    'accepts TIME_ZONE %s: canonical zones and the links and aliases the runtime knows, as luxon does',
    (zone) => {
      expect(IANAZone.isValidZone(zone)).toBe(true);
      expect(loadConfig({ ...required, TIME_ZONE: zone }).rules.timeZone).toBe(zone);
    },
  );

  it('reads every setting', () => {
    const config = loadConfig({
      ...required,
      TIME_ZONE: 'America/New_York',
      POST_TIME: '07:30',
      DASHBOARD_URL: 'https://til.example.com/dashboard',
      WEEKLY_FOOTER: '  #TIL #회고  ',
      COUNT_SELF_LIKES: 'true',
      LIKE_DM: 'off',
      ADMIN_USER_IDS: 'U0ADMIN1, W0ADMIN2 ,',
      LOCALE: 'en',
      SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
      PORT: '8080',
      DATA_DIR: '/var/lib/til',
      SCHEDULER_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      rules: { timeZone: 'America/New_York', countSelfLikes: true },
      postTime: { hour: 7, minute: 30 },
      dashboardUrl: 'https://til.example.com/dashboard',
      weeklyFooter: '#TIL #회고',
      likeDm: 'off',
      adminUserIds: ['U0ADMIN1', 'W0ADMIN2'],
      locale: 'en',
      slack: { botToken: 'xoxb-1-2-abc' },
      adminToken: 'a-long-enough-admin-token',
      local: { port: 8080, dataDir: '/var/lib/til', schedulerIntervalSeconds: 0 },
      logLevel: 'debug',
    });
  });

  it.each([
    ['1', true],
    ['true', true],
    ['0', false],
    ['false', false],
  ])('reads COUNT_SELF_LIKES=%s as %s', (value, expected) => {
    expect(loadConfig({ ...required, COUNT_SELF_LIKES: value }).rules.countSelfLikes).toBe(expected);
  });

  it.each([
    ['TIL_CHANNEL_ID', undefined],
    ['TIL_CHANNEL_ID', 'general'],
    ['TIL_CHANNEL_ID', 'U0123ABCD'],
    ['SLACK_SIGNING_SECRET', undefined],
    ['TIME_ZONE', 'KST'],
    ['TIME_ZONE', 'Mars/Olympus_Mons'],
    ['POST_TIME', '9:00'],
    ['POST_TIME', '24:00'],
    ['POST_TIME', '09:60'],
    ['ALLOWED_BLOG_HOSTS', 'https://velog.io'],
    ['ALLOWED_BLOG_HOSTS', 'velog.io/@me'],
    ['ALLOWED_BLOG_HOSTS', '*.'],
    ['ALLOWED_BLOG_HOSTS', ','],
    ['DASHBOARD_URL', 'til.example.com'],
    ['DASHBOARD_URL', 'javascript:alert(1)'],
    ['COUNT_SELF_LIKES', 'yes'],
    ['LIKE_DM', 'daily'],
    ['ADMIN_USER_IDS', 'U0ADMIN1,@kim'],
    ['LOCALE', 'ja'],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token'],
    ['SLACK_API_URL', 'ftp://slack.example/api'],
    ['SLACK_API_URL', 'not a url'],
    ['ADMIN_TOKEN', 'short'],
    ['PORT', 'http'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['SCHEDULER_INTERVAL_SECONDS', '-1'],
    ['SCHEDULER_INTERVAL_SECONDS', 'often'],
    ['LOG_LEVEL', 'verbose'],
    ['COSMOS_ENDPOINT', 'cosmos.example'],
    ['ServiceBusConnection__fullyQualifiedNamespace', 'sb://til-bus.servicebus.windows.net/'],
    ['SERVICEBUS_QUEUE', 'slack events'],
  ])('reports %s=%j by name', (name, value, others: Record<string, string> = {}) => {
    const error = problemsOf({ ...required, ...others, [name]: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.startsWith(`${name} `)).toBe(true);
    expect(error.message).toContain(name);
  });

  it('says a missing required setting is required', () => {
    const error = problemsOf({});
    expect(error.problems).toHaveLength(2);
    expect(error.problems.find((p) => p.startsWith('TIL_CHANNEL_ID'))).toMatch(/required/);
    expect(error.problems.find((p) => p.startsWith('SLACK_SIGNING_SECRET'))).toMatch(/required/);
  });

  it('does not repeat a rejected secret in the message', () => {
    const error = problemsOf({
      ...required,
      SLACK_BOT_TOKEN: 'xoxp-very-secret-user-token',
      ADMIN_TOKEN: 'tooShort123',
    });
    expect(error.message).not.toContain('xoxp-very-secret-user-token');
    expect(error.message).not.toContain('tooShort123');
  });

  it.each([
    ['POST_TIME', '9am', '"9am"'],
    ['TIME_ZONE', 'KST', '"KST"'],
    ['LIKE_DM', 'daily', '"daily"'],
    ['TIL_CHANNEL_ID', 'general', '"general"'],
    ['PORT', 'http', '"http"'],
    ['DASHBOARD_URL', ` til.example.com/${'x'.repeat(200)}`, `" til.example.com/${'x'.repeat(23)}…"`],
  ])('#18: echoes the offending value of %s (truncated)', (name, value, shown) => {
    const error = problemsOf({ ...required, [name]: value });
    expect(error.problems[0]).toContain(`(got ${shown})`);
    expect(error.message).not.toContain('x'.repeat(30));
  });

  it('#18: never echoes a secret, whatever is wrong with it', () => {
    const secrets = {
      SLACK_BOT_TOKEN: 'xoxp-very-secret-user-token',
      ADMIN_TOKEN: 'tooShort123',
    };
    const error = problemsOf({ ...required, ...secrets });
    expect(error.problems).toHaveLength(2);
    for (const [name, value] of Object.entries(secrets)) {
      expect(error.message).toContain(name);
      expect(error.message).not.toContain(value);
      expect(error.message).not.toContain(value.slice(0, 8));
    }
    expect(error.message).not.toContain('got');
  });

  it('#18: names each bad entry of ALLOWED_BLOG_HOSTS', () => {
    const error = problemsOf({
      ...required,
      ALLOWED_BLOG_HOSTS: 'velog.io, https://me.github.io ,*.com,github.com',
    });
    expect(error.problems).toEqual([
      'ALLOWED_BLOG_HOSTS entries "https://me.github.io", "*.com" are not host names or *.wildcard patterns (such as velog.io or *.github.io)',
    ]);
  });

  it('#18: names each bad entry of ADMIN_USER_IDS', () => {
    const error = problemsOf({ ...required, ADMIN_USER_IDS: 'U0ADMIN1,@kim' });
    expect(error.problems[0]).toBe(
      'ADMIN_USER_IDS entry "@kim" is not a Slack user id (such as U0123ABCD; a comma-separated list)',
    );
  });

  it('#18: says COUNT_SELF_LIKES must be true or false, not what the validator expected', () => {
    const error = problemsOf({ ...required, COUNT_SELF_LIKES: 'yes' });
    expect(error.problems).toEqual(['COUNT_SELF_LIKES must be true or false (got "yes")']);
  });

  it('reports several problems in one error, one line each', () => {
    const error = problemsOf({
      SLACK_SIGNING_SECRET: 's',
      TIME_ZONE: 'Nowhere/Special',
      POST_TIME: '25:00',
      LIKE_DM: 'sometimes',
      PORT: 'eighty',
      COSMOS_ENDPOINT: 'https://til.documents.azure.com:443/',
    });
    const named = error.problems.map((p) => p.split(' ')[0]).sort();
    expect(named).toEqual(['LIKE_DM', 'PORT', 'POST_TIME', 'TIL_CHANNEL_ID', 'TIME_ZONE']);
    expect(error.message.split('\n')).toHaveLength(1 + named.length);
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  it('treats blank values as missing: empty or whitespace-only', () => {
    for (const blank of ['', '   ']) {
      const config = loadConfig({
        ...required,
        TIME_ZONE: blank,
        POST_TIME: blank,
        ALLOWED_BLOG_HOSTS: blank,
        DASHBOARD_URL: blank,
        WEEKLY_FOOTER: blank,
        LIKE_DM: blank,
        ADMIN_USER_IDS: blank,
        SLACK_BOT_TOKEN: blank,
        SLACK_API_URL: blank,
        ADMIN_TOKEN: blank,
        PORT: blank,
        COSMOS_ENDPOINT: blank,
        ServiceBusConnection__fullyQualifiedNamespace: blank,
      });
      expect(config).toStrictEqual(loadConfig(required));
      // A blank required setting is missing, not "present but empty".
      const error = problemsOf({ TIL_CHANNEL_ID: blank, SLACK_SIGNING_SECRET: blank });
      expect(error.problems.map((p) => p.split(' ')[0]).sort()).toEqual([
        'SLACK_SIGNING_SECRET',
        'TIL_CHANNEL_ID',
      ]);
      expect(error.problems.every((p) => /required/.test(p))).toBe(true);
    }
  });

  it('parses ALLOWED_BLOG_HOSTS: trimmed, lower-cased, wildcards kept, stray commas ignored', () => {
    const hosts = (value: string) =>
      loadConfig({ ...required, ALLOWED_BLOG_HOSTS: value }).rules.allowedBlogHosts;
    expect(hosts('Velog.io, *.GitHub.io ,tistory.com')).toEqual(['velog.io', '*.github.io', 'tistory.com']);
    expect(hosts('velog.io,')).toEqual(['velog.io']);
    expect(hosts(' , velog.io ,, brunch.co.kr')).toEqual(['velog.io', 'brunch.co.kr']);
  });

  it('trims the signing secret (a pasted newline would fail every signature)', () => {
    expect(loadConfig({ ...required, SLACK_SIGNING_SECRET: ' abc123\n' }).slack.signingSecret).toBe('abc123');
  });

  it('ends SLACK_API_URL with a slash', () => {
    const apiUrl = (value: string) => loadConfig({ ...required, SLACK_API_URL: value }).slack.apiUrl;
    expect(apiUrl('http://127.0.0.1:4010/api')).toBe('http://127.0.0.1:4010/api/');
    expect(apiUrl('http://127.0.0.1:4010/api/')).toBe('http://127.0.0.1:4010/api/');
  });

  describe('Azure settings', () => {
    const cosmos = 'https://til.documents.azure.com:443/';
    const namespace = 'til-bus.servicebus.windows.net';

    it('are off without COSMOS_ENDPOINT', () => {
      expect(loadConfig(required).azure).toBeUndefined();
    });

    it('use Cosmos DB with COSMOS_ENDPOINT (npm start and the tools need no Service Bus), with defaults', () => {
      expect(loadConfig({ ...required, COSMOS_ENDPOINT: cosmos }).azure).toStrictEqual({
        cosmosEndpoint: cosmos,
        cosmosDatabase: 'til',
        cosmosContainer: 'challenge',
        serviceBusNamespace: undefined,
        serviceBusQueue: 'slack-events',
        managedIdentityClientId: undefined,
      });
      expect(
        loadConfig({
          ...required,
          COSMOS_ENDPOINT: cosmos,
          ServiceBusConnection__fullyQualifiedNamespace: namespace,
          COSMOS_DATABASE: 'db2',
          COSMOS_CONTAINER: 'c2',
          SERVICEBUS_QUEUE: 'q2',
          AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
        }).azure,
      ).toMatchObject({
        cosmosDatabase: 'db2',
        cosmosContainer: 'c2',
        serviceBusNamespace: namespace,
        serviceBusQueue: 'q2',
        managedIdentityClientId: '00000000-0000-0000-0000-000000000001',
      });
    });

    it('in Azure, require each setting SETTINGS marks so, together with every other problem', () => {
      const requiredInAzure = SETTINGS.filter((s) => s.requiredOn?.includes('azure')).map((s) => s.name);
      expect(requiredInAzure).toContain('ServiceBusConnection__fullyQualifiedNamespace');
      expect(requiredInAzure).toContain('SERVICEBUS_QUEUE');
      let error: ConfigError | undefined;
      try {
        loadConfig({ LIKE_DM: 'never' }, 'azure');
      } catch (e) {
        error = e as ConfigError;
      }
      expect(error?.problems.map((p) => p.split(' ')[0]).sort()).toEqual(
        [...requiredInAzure, 'LIKE_DM'].sort(),
      );
    });
  });

  it('SETTINGS lists exactly the settings loadConfig reads', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(parsedSettingNames().sort());
  });
});
