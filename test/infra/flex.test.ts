import { describe, expect, it } from 'vitest';
import {
  evaluate,
  getProperty,
  objectProperties,
  propertyKey,
  propertyValue,
  type Value,
  walk,
} from './bicep.js';
import { appSettings, deployed, refTo, show, theIdentity } from './infra.js';

/**
 * Flex Consumption rules that the type data cannot express (AZURE.md): what Flex rejects or ignores is never
 * set, the runtime is Node 22, and the always-ready HTTP instance follows its parameter.
 */

const FORBIDDEN_SITE_CONFIG = [
  'linuxFxVersion',
  'alwaysOn',
  'use32BitWorkerProcess',
  'ftpsState',
  'windowsFxVersion',
];
const FORBIDDEN_SETTINGS = [
  /^WEBSITE_TIME_ZONE$/,
  /^TZ$/,
  /^FUNCTIONS_WORKER_RUNTIME$/,
  /^FUNCTIONS_EXTENSION_VERSION$/,
  /^WEBSITE_RUN_FROM_PACKAGE$/,
  /^WEBSITE_CONTENT/,
  /^WEBSITE_NODE_DEFAULT_VERSION$/,
  /^SCM_DO_BUILD_DURING_DEPLOYMENT$/,
];

const scalar = (value: Value) =>
  value.kind === 'string' || value.kind === 'number' || value.kind === 'boolean' ? value.value : show(value);

describe('Flex Consumption', () => {
  it('the plan is FC1 (FlexConsumption), Linux', async () => {
    const infra = await deployed();
    const plan = infra.one('Microsoft.Web/serverfarms');
    expect(show(await infra.value(plan, 'sku'))).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(scalar(await infra.value(plan, 'properties.reserved'))).toBe(true);
    const site = infra.one('Microsoft.Web/sites');
    expect(scalar(await infra.value(site, 'kind'))).toBe('functionapp,linux');
    expect(refTo(await infra.value(site, 'properties.serverFarmId'), plan, 'id')).toBe(true);
  });

  it('runs Node 22', async () => {
    const infra = await deployed();
    const site = infra.one('Microsoft.Web/sites');
    expect(show(await infra.value(site, 'properties.functionAppConfig.runtime'))).toEqual({
      name: 'node',
      version: '22',
    });
  });

  it('is deployed from its own blob container, authenticated with the identity', async () => {
    const infra = await deployed();
    const site = infra.one('Microsoft.Web/sites');
    const storage = await infra.value(site, 'properties.functionAppConfig.deployment.storage');
    expect(storage.kind).toBe('object');
    if (storage.kind !== 'object') return;
    expect(scalar(storage.entries.get('type')!)).toBe('blobContainer');
    expect(show(storage.entries.get('authentication')!)).toEqual({
      type: 'UserAssignedIdentity',
      userAssignedIdentityResourceId: `ref(infra/app/identity.bicep#${theIdentity(infra).symbol}.id)`,
    });
    // value = <the storage account's blob endpoint><the container resource's name>
    const value = storage.entries.get('value')!;
    expect(value.kind).toBe('template');
    if (value.kind !== 'template') return;
    const [endpoint, ...name] = value.parts;
    expect(endpoint?.kind === 'ref' && endpoint.path).toBe('properties.primaryEndpoints.blob');
    if (endpoint?.kind === 'ref')
      expect(await infra.canonical(endpoint.resource)).toBe(infra.one('Microsoft.Storage/storageAccounts'));
    const container = infra.one('Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(name.map(show)).toEqual(show(await infra.value(container, 'name')));
  });

  it('scales to at least 40 instances of 2048 MB', async () => {
    const infra = await deployed();
    const site = infra.one('Microsoft.Web/sites');
    expect(
      scalar(await infra.value(site, 'properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB')),
    ).toBe(2048);
    expect(
      Number(
        scalar(
          await infra.value(site, 'properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount'),
        ),
      ),
    ).toBeGreaterThanOrEqual(40);
    // And no parameter value can lower it: main.bicep's parameter has @minValue(40).
    const param = infra.main.params.get('maximumInstanceCount');
    expect(
      Number(param?.decorators.find((d) => d.name === 'minValue')?.args[0]?.text),
    ).toBeGreaterThanOrEqual(40);
  });

  it('keeps one always-ready HTTP instance by default; 0 leaves alwaysReady empty; 2 keeps two', async () => {
    const alwaysReady = async (instances?: number) => {
      const infra = await deployed(
        instances === undefined
          ? undefined
          : new Map([['alwaysReadyHttpInstances', { kind: 'number', value: instances }]]),
      );
      const site = infra.one('Microsoft.Web/sites');
      return show(await infra.value(site, 'properties.functionAppConfig.scaleAndConcurrency.alwaysReady'));
    };
    expect(await alwaysReady()).toEqual([{ name: 'http', instanceCount: 1 }]);
    expect(await alwaysReady(0)).toEqual([]);
    expect(await alwaysReady(2)).toEqual([{ name: 'http', instanceCount: 2 }]);
    const infra = await deployed();
    const param = infra.main.params.get('alwaysReadyHttpInstances');
    expect(param?.decorators.find((d) => d.name === 'minValue')?.args[0]?.text).toBe('0');
  });

  it('sets none of the site settings Flex rejects', async () => {
    const infra = await deployed();
    const site = infra.one('Microsoft.Web/sites');
    const keys = [...walk(site.body!)]
      .filter((n) => n.type === 'object_property')
      .map((p) => propertyKey(p))
      .filter((k): k is string => k !== undefined);
    expect(keys.filter((k) => FORBIDDEN_SITE_CONFIG.includes(k))).toEqual([]);
    // Nor through a separate sites/config 'web' resource.
    for (const config of infra.ofType('Microsoft.Web/sites/config')) {
      const properties = getProperty(config.body, 'properties');
      const names = properties ? objectProperties(properties).map((p) => propertyKey(p)) : [];
      expect(names.filter((k) => k && FORBIDDEN_SITE_CONFIG.includes(k))).toEqual([]);
    }
  });

  it('sets none of the app settings Flex rejects (timers run in UTC; the jobs use TIME_ZONE)', async () => {
    const settings = await appSettings(await deployed());
    expect(settings.length).toBeGreaterThan(20);
    expect(
      settings.map((s) => s.name).filter((name) => FORBIDDEN_SETTINGS.some((p) => p.test(name))),
    ).toEqual([]);
    expect(settings.some((s) => s.name === 'TIME_ZONE')).toBe(true);
  });

  it('the check sees a forbidden setting added in any branch', async () => {
    const infra = await deployed();
    const site = infra.one('Microsoft.Web/sites');
    const scope = infra.scope(site.file);
    // Every name/value literal in the Function App's module, conditional branches included.
    const names: string[] = [];
    for (const node of walk(site.file.root)) {
      if (node.type !== 'object') continue;
      const name = objectProperties(node).find((p) => propertyKey(p) === 'name');
      const hasValue = objectProperties(node).some((p) => propertyKey(p) === 'value');
      if (name && hasValue) {
        const value = await evaluate(propertyValue(name), scope);
        if (value.kind === 'string') names.push(value.value);
      }
    }
    expect(names).toContain('SLACK_BOT_TOKEN');
    expect(names.filter((name) => FORBIDDEN_SETTINGS.some((p) => p.test(name)))).toEqual([]);
  });

  it('CORS on the site admits the Static Web App origin', async () => {
    const infra = await deployed();
    const site = infra.one('Microsoft.Web/sites');
    const staticSite = infra.one('Microsoft.Web/staticSites');
    expect(show(await infra.value(site, 'properties.siteConfig.cors.allowedOrigins'))).toEqual([
      ['https://', `ref(${staticSite.file.path}#${staticSite.symbol}.properties.defaultHostname)`],
    ]);
  });
});
