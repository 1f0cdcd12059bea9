import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { SETTINGS } from '../../functions/config.js';
import { evaluate, repoRoot, type Value } from './bicep.js';
import {
  appSettings,
  deployed,
  isoDurationSeconds,
  parseSimpleYaml,
  readRepoFile,
  refTo,
  setting,
  show,
  timeSpanSeconds,
} from './infra.js';

/**
 * The code and the infrastructure agree: every setting the code reads in Azure is deployed, the functions that
 * functions/index.ts registers find their queue, connection and schedule, and host.json fits the queue.
 */

// What functions/index.ts registers with the Functions host (the approach of test/azure/functionsEntry.test.ts).
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

/** Settings the platform reads, not the app: identity-based connections and Application Insights. */
const PLATFORM_SETTINGS = [
  /^AzureWebJobsStorage__(blobServiceUri|credential|clientId)$/,
  /^ServiceBusConnection__(credential|clientId)$/,
  /^APPLICATIONINSIGHTS_(CONNECTION_STRING|AUTHENTICATION_STRING)$/,
];

const scalar = (value: Value | undefined) =>
  value && (value.kind === 'string' || value.kind === 'number' || value.kind === 'boolean')
    ? value.value
    : value && show(value);

/** Everything set, optional secrets included. */
const fullyConfigured = () =>
  deployed(
    new Map<string, Value>([
      ['slackBotToken', { kind: 'string', value: 'xoxb-test' }],
      ['adminToken', { kind: 'string', value: 'an-admin-token-of-16+' }],
    ]),
  );

describe('settings: config.SETTINGS and the Bicep app settings', () => {
  it('every setting the code reads in Azure is an app setting (secrets as Key Vault references)', async () => {
    const settings = await appSettings(await fullyConfigured());
    const names = new Set(settings.map((s) => s.name));
    const azure = SETTINGS.filter((s) => s.hosts.includes('azure'));
    expect(azure.length).toBeGreaterThan(15);
    expect(azure.map((s) => s.name).filter((name) => !names.has(name))).toEqual([]);
    for (const secret of azure.filter((s) => s.secret)) {
      expect(show(setting(settings, secret.name)!.value), secret.name).toEqual(
        expect.arrayContaining(['@Microsoft.KeyVault(SecretUri=']),
      );
    }
  });

  it('every setting required in Azure is set unconditionally, also with no optional secret given', async () => {
    const names = new Set((await appSettings(await deployed())).map((s) => s.name));
    const required = SETTINGS.filter((s) => s.requiredOn?.includes('azure')).map((s) => s.name);
    expect(required).toContain('ServiceBusConnection__fullyQualifiedNamespace');
    expect(required.filter((name) => !names.has(name))).toEqual([]);
  });

  it('every app setting is one the code reads in Azure, or one the platform reads (no stale name)', async () => {
    const settings = await appSettings(await fullyConfigured());
    const known = new Set(SETTINGS.filter((s) => s.hosts.includes('azure')).map((s) => s.name));
    const unknown = settings
      .map((s) => s.name)
      .filter((name) => !known.has(name) && !PLATFORM_SETTINGS.some((p) => p.test(name)));
    expect(unknown).toEqual([]);
    // Local-only settings have no business in Azure.
    const localOnly = SETTINGS.filter((s) => !s.hosts.includes('azure')).map((s) => s.name);
    expect(settings.filter((s) => localOnly.includes(s.name))).toEqual([]);
  });

  it('the rule settings default to the code defaults, and booleans are spelled as the code parses them', async () => {
    const settings = await appSettings(await deployed());
    expect(scalar(setting(settings, 'TIME_ZONE')?.value)).toBe('Asia/Seoul');
    expect(scalar(setting(settings, 'POST_TIME')?.value)).toBe('09:00');
    expect(scalar(setting(settings, 'LOCALE')?.value)).toBe('ko');
    expect(scalar(setting(settings, 'LIKE_DM')?.value)).toBe('batched');
    expect(scalar(setting(settings, 'LOG_LEVEL')?.value)).toBe('info');
    expect(scalar(setting(settings, 'COUNT_SELF_LIKES')?.value)).toBe('false');
    const on = await appSettings(
      await deployed(new Map([['countSelfLikes', { kind: 'boolean', value: true }]])),
    );
    // ARM's string(true) would be 'True', which the code rejects.
    expect(scalar(setting(on, 'COUNT_SELF_LIKES')?.value)).toBe('true');
    const { DEFAULT_BLOG_HOSTS } = await import('../../functions/domain/links.js');
    expect(String(scalar(setting(settings, 'ALLOWED_BLOG_HOSTS')?.value)).split(',')).toEqual([
      ...DEFAULT_BLOG_HOSTS,
    ]);
  });

  it('the settings, with what Azure fills in, pass the code’s own start-up check', async () => {
    const { loadConfig } = await import('../../functions/config.js');
    const settings = await appSettings(await fullyConfigured());
    // Key Vault references resolve to the secrets; the required channel id comes from the operator.
    const resolved: Record<string, string> = {
      TIL_CHANNEL_ID: 'C0123ABCD',
      SLACK_SIGNING_SECRET: 'resolved-from-key-vault',
      SLACK_BOT_TOKEN: 'xoxb-resolved-from-key-vault',
      ADMIN_TOKEN: 'resolved-from-key-vault-16+',
    };
    const env = Object.fromEntries(settings.map((s) => [s.name, resolved[s.name] ?? materialize(s.value)]));
    expect(env.COSMOS_ENDPOINT).toBe('https://cosmos-x.documents.azure.com:443/');
    expect(env.ServiceBusConnection__fullyQualifiedNamespace).toBe('sb-x.servicebus.windows.net');
    expect(() => loadConfig(env, 'azure')).not.toThrow();
  });
});

/** What Azure returns for the resource properties the settings reference (the documented formats). */
const AZURE_FILLS: Record<string, string> = {
  name: '{name}',
  id: '/subscriptions/0/resourceGroups/rg/providers/{type}/{name}',
  'properties.clientId': '00000000-0000-0000-0000-00000000c1d0',
  'properties.principalId': '00000000-0000-0000-0000-0000000091d0',
  'properties.documentEndpoint': 'https://{name}.documents.azure.com:443/',
  'properties.primaryEndpoints.blob': 'https://{name}.blob.core.windows.net/',
  'properties.vaultUri': 'https://{name}.vault.azure.net/',
  'properties.defaultHostname': '{name}.azurestaticapps.net',
  'properties.defaultHostName': '{name}.azurewebsites.net',
  'properties.ConnectionString':
    'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/',
};

function materialize(value: Value): string {
  switch (value.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return String(value.value);
    case 'template':
      return value.parts.map(materialize).join('');
    case 'ref': {
      const fill = AZURE_FILLS[value.path];
      if (!fill) throw new Error(`no stand-in for ${value.resource.type} ${value.path}`);
      const prefix = value.resource.type.split('/').at(-1)!.slice(0, 2);
      const name = { st: 'stx', na: 'sb-x', da: 'cosmos-x', va: 'kv-x' }[prefix] ?? `${prefix}-x`;
      return fill.replace('{name}', name).replace('{type}', value.resource.type);
    }
    default:
      throw new Error(`no stand-in for ${JSON.stringify(show(value))}`);
  }
}

describe('functions/index.ts and the infrastructure', () => {
  const byKind = (kind: string) => registered.filter((r) => r.kind === kind);

  it('registers the functions this infrastructure serves', () => {
    expect(byKind('http').length).toBeGreaterThanOrEqual(4);
    expect(
      byKind('serviceBusQueue')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['dead-letter', 'process-event']);
    expect(byKind('timer')).toHaveLength(1);
  });

  it("the queue triggers' %SERVICEBUS_QUEUE% names the Bicep queue, and their connection has its namespace", async () => {
    const infra = await deployed();
    const settings = await appSettings(infra);
    const queue = infra.one('Microsoft.ServiceBus/namespaces/queues');
    const namespace = infra.one('Microsoft.ServiceBus/namespaces');
    const queueName = scalar(await infra.value(queue, 'name'));
    for (const trigger of byKind('serviceBusQueue')) {
      const match = /^%([A-Za-z0-9_]+)%(\/\$deadletterqueue)?$/.exec(String(trigger.options.queueName));
      expect(match, `${trigger.name}: queueName ${String(trigger.options.queueName)}`).not.toBeNull();
      expect(scalar(setting(settings, match![1]!)?.value), trigger.name).toBe(queueName);
      const connection = String(trigger.options.connection);
      const fqdn = setting(settings, `${connection}__fullyQualifiedNamespace`)?.value;
      expect(fqdn?.kind, `${trigger.name}: ${connection}__fullyQualifiedNamespace`).toBe('template');
      if (fqdn?.kind === 'template') {
        expect(refTo(fqdn.parts[0]!, namespace, 'name')).toBe(true);
        expect(fqdn.parts.slice(1).map(show)).toEqual(['.servicebus.windows.net']);
      }
      // The namespace's name is the queue's parent.
      expect(queue.nestedIn ?? null).toBe(namespace);
    }
  });

  it('sessions are on for process-event (the queue requires them) and off for the dead-letter sub-queue', async () => {
    const infra = await deployed();
    const queue = infra.one('Microsoft.ServiceBus/namespaces/queues');
    expect(scalar(await infra.value(queue, 'properties.requiresSession'))).toBe(true);
    const processEvent = registered.find((r) => r.name === 'process-event')!;
    const deadLetter = registered.find((r) => r.name === 'dead-letter')!;
    expect(processEvent.options.isSessionsEnabled).toBe(true);
    expect(String(processEvent.options.queueName)).not.toContain('$deadletterqueue');
    expect(String(deadLetter.options.queueName)).toMatch(/\/\$deadletterqueue$/);
    expect(deadLetter.options.isSessionsEnabled).toBeFalsy();
  });

  it('the timer is a six-field NCRONTAB schedule (UTC: no time zone setting exists on Flex)', () => {
    const [timer] = byKind('timer');
    const fields = String(timer!.options.schedule).split(' ');
    expect(fields).toHaveLength(6);
    const field = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
    for (const f of fields) expect(f).toMatch(field);
  });

  it('every HTTP function is anonymous (Slack signs its requests; the read API is public)', () => {
    for (const http of byKind('http')) expect(http.options.authLevel, http.name).toBe('anonymous');
  });

  it('the Slack request URL output is the slack-events route under the host route prefix', async () => {
    const infra = await deployed();
    const host = JSON.parse(readRepoFile('host.json'));
    const prefix = host.extensions?.http?.routePrefix ?? 'api';
    const route = registered.find((r) => r.name === 'slack-events')!.options.route;
    const output = infra.main.outputs.find((o) => o.name === 'SLACK_REQUEST_URL')!;
    const url = show(await evaluate(output.value, infra.scope(infra.main)));
    expect((url as string[]).at(0)).toBe('https://');
    expect((url as string[]).at(-1)).toBe(`/${prefix}/${String(route)}`);
    // The manifest's placeholder request URL has the same path.
    expect(readRepoFile('slack-app-manifest.yaml')).toContain(`/${prefix}/${String(route)}`);
  });

  it("host.json renews the session lock at least as long as the queue's lockDuration, one call per session", async () => {
    const infra = await deployed();
    const queue = infra.one('Microsoft.ServiceBus/namespaces/queues');
    const lock = isoDurationSeconds(String(scalar(await infra.value(queue, 'properties.lockDuration'))));
    const serviceBus = JSON.parse(readRepoFile('host.json')).extensions?.serviceBus ?? {};
    expect(timeSpanSeconds(serviceBus.maxAutoLockRenewalDuration ?? '00:05:00')).toBeGreaterThanOrEqual(lock);
    // Order per session needs one message at a time per session (the default).
    expect(serviceBus.maxConcurrentCallsPerSession ?? 1).toBe(1);
    expect(JSON.parse(readRepoFile('host.json')).concurrency?.dynamicConcurrencyEnabled ?? false).toBe(false);
  });
});

describe('azure.yaml', () => {
  interface AzureYaml {
    name: string;
    metadata: { template: string };
    services: Record<
      string,
      { project: string; host: string; language: string; dist?: string; remoteBuild?: boolean }
    >;
    workflows: { up: { steps: unknown[] } };
  }
  const azureYaml = () => parseSimpleYaml(readRepoFile('azure.yaml')) as AzureYaml;

  it('the parser reads lists of maps and nested maps', () => {
    expect(parseSimpleYaml('a:\n  b: 1\n  c:\n    - x: y\n      z: w\n    - q\n# c\nd: "e"\n')).toEqual({
      a: { b: 1, c: [{ x: 'y', z: 'w' }, 'q'] },
      d: 'e',
    });
  });

  it('names the two services that the Bicep tags: api (function) and web (staticwebapp, web/dist)', () => {
    const { services, name, metadata } = azureYaml();
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(metadata.template).toBeTruthy();
    // The package is built here and self-contained: a remote (Oryx) build has nothing to do.
    expect(services.api).toMatchObject({
      project: '.',
      host: 'function',
      dist: 'dist/functionapp',
      remoteBuild: false,
    });
    expect(['ts', 'js']).toContain(services.api?.language);
    expect(services.web).toMatchObject({ project: '.', host: 'staticwebapp', dist: 'web/dist' });
  });

  it('provisions before packaging, so the dashboard build sees VITE_API_BASE_URL', async () => {
    expect(azureYaml().workflows.up.steps).toEqual([
      { azd: 'provision' },
      { azd: 'package --all' },
      { azd: 'deploy --all' },
    ]);
    const infra = await deployed();
    expect(infra.main.outputs.map((o) => o.name)).toEqual(
      expect.arrayContaining(['VITE_API_BASE_URL', 'API_BASE_URL']),
    );
  });

  it('VITE_API_BASE_URL is what the dashboard expects: an origin, to which web/src/api.ts appends /api/…', async () => {
    const infra = await deployed();
    const site = infra.one('Microsoft.Web/sites');
    const output = (name: string) => infra.main.outputs.find((o) => o.name === name)!.value;
    const vite = show(await evaluate(output('VITE_API_BASE_URL'), infra.scope(infra.main)));
    expect(vite).toEqual(['https://', `ref(${site.file.path}#${site.symbol}.properties.defaultHostName)`]);
    expect(show(await evaluate(output('API_BASE_URL'), infra.scope(infra.main)))).toEqual([
      ...(vite as string[]),
      '/api',
    ]);
    const client = readRepoFile('web/src/api.ts');
    expect(client).toContain('VITE_API_BASE_URL');
    expect(client).toMatch(/'\/api\/months'/);
  });

  it('the api package is the built Functions app folder: package.json main lives there, and .funcignore keeps it', () => {
    const pkg = JSON.parse(readRepoFile('package.json'));
    const api = azureYaml().services.api!;
    expect(
      String(pkg.main).startsWith(`${api.dist}/`),
      `package.json main ${pkg.main} is in ${api.dist}`,
    ).toBe(true);
    expect(pkg.scripts.build).toMatch(/\bpackage\b/);
    expect(pkg.scripts.build).toContain('build:web');
    expect(readRepoFile('scripts/packageFunctions.mjs')).toContain(String(api.dist?.split('/').at(-1)));
    if (existsSync(join(repoRoot, '.funcignore'))) {
      const ignored = readRepoFile('.funcignore')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      for (const kept of [
        'package.json',
        'host.json',
        'dist',
        'dist/',
        '/dist',
        api.dist,
        `${api.dist}/`,
        pkg.main,
      ])
        expect(ignored, `.funcignore must not exclude ${kept}`).not.toContain(kept);
    }
  });
});
