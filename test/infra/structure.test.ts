import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BicepFile,
  evaluate,
  getProperty,
  infraDir,
  loadBicep,
  loadInfra,
  type ResourceDecl,
  repoRoot,
  rootScope,
  type Value,
} from './bicep.js';
import {
  appSettings,
  type Deployed,
  deployed,
  isoDurationSeconds,
  readRepoFile,
  refTo,
  secretOutputs,
  setting,
  show,
  theIdentity,
} from './infra.js';

/** What SPEC 6 and AZURE.md require of the infrastructure that the type data cannot express. */

/** An azd environment reference as main.parameters.json writes it: ${NAME}. */
const azdEnv = (name: string) => `\${${name}}`;

const literal = (value: Value) =>
  value.kind === 'string' || value.kind === 'number' || value.kind === 'boolean' ? value.value : show(value);

describe('Service Bus', () => {
  it('is a Standard namespace (sessions and duplicate detection need it) with local (SAS) auth off', async () => {
    const infra = await deployed();
    const namespace = infra.one('Microsoft.ServiceBus/namespaces');
    expect(literal(await infra.value(namespace, 'sku.name'))).toBe('Standard');
    expect(literal(await infra.value(namespace, 'properties.disableLocalAuth'))).toBe(true);
    expect(literal(await infra.value(namespace, 'properties.minimumTlsVersion'))).toBe('1.2');
  });

  it('has one session queue with duplicate detection over at least 10 minutes, 5 deliveries and dead-lettering', async () => {
    const infra = await deployed();
    const queue = infra.one('Microsoft.ServiceBus/namespaces/queues');
    const value = async (path: string) => literal(await infra.value(queue, `properties.${path}`));
    expect(await value('requiresSession')).toBe(true);
    expect(await value('requiresDuplicateDetection')).toBe(true);
    expect(
      isoDurationSeconds(String(await value('duplicateDetectionHistoryTimeWindow'))),
    ).toBeGreaterThanOrEqual(600);
    // architecture.md: the embedded queue and Service Bus both dead-letter after 5 deliveries.
    expect(await value('maxDeliveryCount')).toBe(5);
    expect(await value('deadLetteringOnMessageExpiration')).toBe(true);
    const lock = isoDurationSeconds(String(await value('lockDuration')));
    expect(lock).toBeGreaterThan(0);
    expect(lock).toBeLessThanOrEqual(300);
  });
});

describe('Cosmos DB', () => {
  it('is serverless NoSQL with keys off', async () => {
    const infra = await deployed();
    const account = infra.one('Microsoft.DocumentDB/databaseAccounts');
    expect(literal(await infra.value(account, 'kind'))).toBe('GlobalDocumentDB');
    expect(show(await infra.value(account, 'properties.capabilities'))).toContainEqual({
      name: 'EnableServerless',
    });
    expect(literal(await infra.value(account, 'properties.disableLocalAuth'))).toBe(true);
    expect(show(await infra.value(account, 'properties.locations'))).toHaveLength(1);
  });

  it('has the database and the container partitioned on /pk (Hash, version 2), with no throughput (serverless)', async () => {
    const infra = await deployed();
    const database = infra.one('Microsoft.DocumentDB/databaseAccounts/sqlDatabases');
    const container = infra.one('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
    expect(literal(await infra.value(database, 'name'))).toBe('til');
    expect(literal(await infra.value(container, 'name'))).toBe('challenge');
    expect(show(await infra.value(container, 'properties.resource.partitionKey'))).toEqual({
      paths: ['/pk'],
      kind: 'Hash',
      version: 2,
    });
    for (const resource of [database, container]) {
      expect(getProperty(resource.body, 'properties.options')).toBeUndefined();
    }
    expect(infra.ofType('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/throughputSettings')).toEqual([]);
  });
});

describe('Storage, monitoring, Key Vault, Static Web App', () => {
  it('storage takes no shared key, TLS 1.2, no public blobs; the deployment container is its own resource', async () => {
    const infra = await deployed();
    const account = infra.one('Microsoft.Storage/storageAccounts');
    expect(literal(await infra.value(account, 'properties.allowSharedKeyAccess'))).toBe(false);
    expect(literal(await infra.value(account, 'properties.minimumTlsVersion'))).toBe('TLS1_2');
    expect(literal(await infra.value(account, 'properties.allowBlobPublicAccess'))).toBe(false);
    const container = infra.one('Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(literal(await infra.value(container, 'properties.publicAccess'))).toBe('None');
  });

  it('Application Insights takes no instrumentation-key ingestion and sits on Log Analytics', async () => {
    const infra = await deployed();
    const component = infra.one('Microsoft.Insights/components');
    expect(literal(await infra.value(component, 'properties.DisableLocalAuth'))).toBe(true);
    const workspace = infra.one('Microsoft.OperationalInsights/workspaces');
    expect(refTo(await infra.value(component, 'properties.WorkspaceResourceId'), workspace, 'id')).toBe(true);
  });

  it('Key Vault authorizes with Azure RBAC (no access policies)', async () => {
    const infra = await deployed();
    const vault = infra.one('Microsoft.KeyVault/vaults');
    expect(literal(await infra.value(vault, 'properties.enableRbacAuthorization'))).toBe(true);
    expect(getProperty(vault.body, 'properties.accessPolicies')).toBeUndefined();
  });

  it('the Static Web App is Free, empty properties (azd deploys the files), with its own region list', async () => {
    const infra = await deployed();
    const site = infra.one('Microsoft.Web/staticSites');
    expect(literal(await infra.value(site, 'sku.name'))).toBe('Free');
    expect(show(await infra.value(site, 'properties'))).toEqual({});
    const param = infra.main.params.get('staticWebAppLocation');
    const allowed = param?.decorators.find((d) => d.name === 'allowed');
    expect(allowed?.args[0]?.text.match(/'[a-z0-9]+'/g)?.map((s) => s.slice(1, -1))).toEqual(
      expect.arrayContaining(['eastasia', 'westeurope', 'eastus2', 'centralus', 'westus2']),
    );
    expect(
      literal(
        await evaluate(
          getProperty(findModule(infra.main, './app/staticwebapp.bicep'), 'params.location'),
          rootScope(infra.main),
        ),
      ),
    ).toBe('eastasia');
  });

  it('exactly one resource carries each azd service tag: api on the Function App, web on the Static Web App', async () => {
    const infra = await deployed();
    const tagged = new Map<string, string[]>();
    for (const resource of infra.resources) {
      const tags = await infra.value(resource, 'tags');
      const service = tags.kind === 'object' ? tags.entries.get('azd-service-name') : undefined;
      if (service?.kind === 'string')
        tagged.set(service.value, [...(tagged.get(service.value) ?? []), resource.type]);
    }
    expect(Object.fromEntries(tagged)).toEqual({
      api: ['Microsoft.Web/sites'],
      web: ['Microsoft.Web/staticSites'],
    });
  });

  it('main.bicep creates the resource group rg-<env> tagged azd-env-name at subscription scope', async () => {
    const infra = await deployed(new Map([['environmentName', { kind: 'string', value: 'til-prod' }]]));
    expect(infra.main.targetScope).toBe('subscription');
    const group = infra.one('Microsoft.Resources/resourceGroups');
    expect(literal(await infra.value(group, 'name'))).toBe('rg-til-prod');
    expect(show(await infra.value(group, 'tags'))).toEqual({ 'azd-env-name': 'til-prod' });
  });
});

function findModule(file: BicepFile, path: string) {
  const module = file.modules.find((m) => m.path === path);
  if (!module) throw new Error(`${file.path} does not use ${path}`);
  return module.body;
}

/** The role definition id in subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <id>). */
async function roleId(infra: Deployed, assignment: ResourceDecl): Promise<string | undefined> {
  const node = getProperty(assignment.body, 'properties.roleDefinitionId');
  if (node?.type !== 'call_expression' || node.children[0]?.text !== 'subscriptionResourceId')
    return undefined;
  const args = node.children[1]!.children.filter((c) => c.isNamed);
  const scope = infra.scope(assignment.file);
  const [type, id] = [await evaluate(args[0], scope), await evaluate(args[1], scope)];
  return type.kind === 'string' &&
    type.value === 'Microsoft.Authorization/roleDefinitions' &&
    id.kind === 'string'
    ? id.value
    : undefined;
}

const ROLES = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  serviceBusReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  serviceBusSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
  metricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
};

describe('role assignments: the one identity gets exactly what it uses', () => {
  it('there is one user-assigned identity, and the Function App runs as it', async () => {
    const infra = await deployed();
    const identity = theIdentity(infra);
    const site = infra.one('Microsoft.Web/sites');
    expect(literal(await infra.value(site, 'identity.type'))).toBe('UserAssigned');
    const node = getProperty(site.body, 'identity.userAssignedIdentities');
    const key = node?.children.find((c) => c.type === 'object_property')?.children[0];
    expect(
      refTo(
        await evaluate(
          key?.children.find((c) => c.type === 'interpolation')?.children[1],
          infra.scope(site.file),
        ),
        identity,
        'id',
      ),
    ).toBe(true);
  });

  it('Azure RBAC: blob owner, Service Bus sender and receiver, metrics publisher, Key Vault secrets user, each scoped to its resource', async () => {
    const infra = await deployed();
    const identity = theIdentity(infra);
    const assignments = infra.ofType('Microsoft.Authorization/roleAssignments');
    const granted: Record<string, string> = {};
    for (const assignment of assignments) {
      const where = `${assignment.file.path}:${assignment.line}`;
      const id = await roleId(infra, assignment);
      expect(id, `${where}: roleDefinitionId`).toBeDefined();
      expect(
        refTo(await infra.value(assignment, 'properties.principalId'), identity, 'properties.principalId'),
        where,
      ).toBe(true);
      expect(literal(await infra.value(assignment, 'properties.principalType')), where).toBe(
        'ServicePrincipal',
      );
      expect(getProperty(assignment.body, 'name')?.text, where).toMatch(/^guid\(/);
      const scope = await infra.value(assignment, 'scope');
      expect(scope.kind, `${where}: scope`).toBe('resource');
      if (scope.kind === 'resource') granted[id!] = scope.resource.type;
      // The name is stable and unique per scope, principal and role.
      const nameArgs = getProperty(assignment.body, 'name')!.text;
      expect(nameArgs, where).toContain(getProperty(assignment.body, 'scope')!.text);
      expect(nameArgs, where).toContain('PrincipalId');
    }
    expect(granted).toEqual({
      [ROLES.blobDataOwner]: 'Microsoft.Storage/storageAccounts',
      [ROLES.serviceBusSender]: 'Microsoft.ServiceBus/namespaces',
      [ROLES.serviceBusReceiver]: 'Microsoft.ServiceBus/namespaces',
      [ROLES.metricsPublisher]: 'Microsoft.Insights/components',
      [ROLES.keyVaultSecretsUser]: 'Microsoft.KeyVault/vaults',
    });
  });

  it('Cosmos DB: a Built-in Data Contributor sqlRoleAssignment for the identity (and, optionally, the operator)', async () => {
    const infra = await deployed(new Map([['principalId', { kind: 'string', value: 'operator-object-id' }]]));
    const identity = theIdentity(infra);
    const account = infra.one('Microsoft.DocumentDB/databaseAccounts');
    const assignments = infra.ofType('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
    const principals = await Promise.all(assignments.map((a) => infra.value(a, 'properties.principalId')));
    expect(principals.filter((p) => refTo(p, identity, 'properties.principalId'))).toHaveLength(1);
    expect(principals.map(show)).toContain('operator-object-id');
    for (const assignment of assignments) {
      const where = `${assignment.file.path}:${assignment.line}`;
      expect(show(await infra.value(assignment, 'properties.roleDefinitionId')), where).toEqual([
        `ref(${account.file.path}#${account.symbol}.id)`,
        '/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002',
      ]);
      expect(refTo(await infra.value(assignment, 'properties.scope'), account, 'id'), where).toBe(true);
      expect(getProperty(assignment.body, 'name')?.text, where).toMatch(/^guid\(/);
    }
    // Without a deploying principal, only the identity's assignment is made.
    const operator = assignments.filter((a) => a.conditional);
    expect(operator).toHaveLength(1);
    const withoutPrincipal = await deployed(new Map([['principalId', { kind: 'string', value: '' }]]));
    expect(literal(await evaluate(operator[0]!.condition, withoutPrincipal.scope(operator[0]!.file)))).toBe(
      false,
    );
    expect(literal(await evaluate(operator[0]!.condition, infra.scope(operator[0]!.file)))).toBe(true);
  });
});

describe('connections without keys', () => {
  it('every identity-based connection names the identity: __credential=managedidentity and __clientId', async () => {
    const infra = await deployed();
    const identity = theIdentity(infra);
    const settings = await appSettings(infra);
    const prefixes = new Set(
      settings
        .map(
          (s) =>
            /^(.+)__(blobServiceUri|queueServiceUri|tableServiceUri|accountName|fullyQualifiedNamespace|serviceUri|accountEndpoint)$/.exec(
              s.name,
            )?.[1],
        )
        .filter((p): p is string => p !== undefined),
    );
    expect([...prefixes].sort()).toEqual(['AzureWebJobsStorage', 'ServiceBusConnection']);
    for (const prefix of prefixes) {
      expect(literal(setting(settings, `${prefix}__credential`)?.value ?? { kind: 'null' }), prefix).toBe(
        'managedidentity',
      );
      const clientId = setting(settings, `${prefix}__clientId`)?.value;
      expect(clientId && refTo(clientId, identity, 'properties.clientId'), `${prefix}__clientId`).toBe(true);
    }
    expect(refTo(setting(settings, 'AZURE_CLIENT_ID')!.value, identity, 'properties.clientId')).toBe(true);
    expect(show(setting(settings, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING')!.value)).toEqual([
      'ClientId=',
      `ref(${identity.file.path}#${identity.symbol}.properties.clientId)`,
      ';Authorization=AAD',
    ]);
  });

  it('host storage points at the blob endpoint of the one storage account', async () => {
    const infra = await deployed();
    const value = setting(await appSettings(infra), 'AzureWebJobsStorage__blobServiceUri')!.value;
    expect(value.kind).toBe('ref');
    if (value.kind !== 'ref') return;
    expect(await infra.canonical(value.resource)).toBe(infra.one('Microsoft.Storage/storageAccounts'));
    expect(value.path).toBe('properties.primaryEndpoints.blob');
  });

  const infraFiles = () => {
    const files: string[] = [];
    const visit = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) visit(path);
        else files.push(path);
      }
    };
    visit(infraDir);
    return files;
  };

  it('no key anywhere in infra/: no list*() call, account key, SAS or connection string with a key', () => {
    const offending: string[] = [];
    for (const path of infraFiles()) {
      const text = readFileSync(path, 'utf8');
      for (const pattern of [
        /\blist[A-Z]\w*\s*\(/,
        /AccountKey=/i,
        /SharedAccessKey/i,
        /primaryMasterKey/i,
        /InstrumentationKey=/i,
      ]) {
        if (pattern.test(text)) offending.push(`${relative(repoRoot, path)}: ${pattern}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe('secrets', () => {
  it('no @secure() parameter reaches an output, and no output is named like a secret', async () => {
    const files = await loadInfra();
    expect(files.flatMap(secretOutputs)).toEqual([]);
    expect(
      files.flatMap((f) => [...f.params.values()]).filter((p) => p.secure).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('the check finds a secret output, also through a variable', async () => {
    const file = await loadBicep(
      'infra/snippet.bicep',
      [
        '@secure()',
        'param token string',
        `var wrapped = 'Bearer \${token}'`,
        'output a string = wrapped',
        "output fine string = 'x'",
        "output dbPassword string = 'y'",
        '',
      ].join('\n'),
    );
    expect(secretOutputs(file)).toEqual([
      'infra/snippet.bicep:4: output a',
      'infra/snippet.bicep:6: output dbPassword',
    ]);
  });

  it('every @secure() parameter has no default but empty, and main.parameters.json maps it from the azd environment', async () => {
    const main = await loadBicep('infra/main.bicep');
    const parameters = JSON.parse(readRepoFile('infra/main.parameters.json')).parameters as Record<
      string,
      { value: unknown }
    >;
    const expected: Record<string, string> = {
      slackSigningSecret: azdEnv('SLACK_SIGNING_SECRET'),
      slackBotToken: azdEnv('SLACK_BOT_TOKEN'),
      adminToken: azdEnv('ADMIN_TOKEN'),
    };
    for (const param of main.params.values()) {
      if (!param.secure) continue;
      expect(param.defaultValue === undefined || param.defaultValue.text === "''", param.name).toBe(true);
      expect(parameters[param.name]?.value, param.name).toBe(expected[param.name]);
    }
    expect(Object.keys(expected).every((name) => main.params.get(name)?.secure)).toBe(true);
  });

  it('main.parameters.json gives exactly main.bicep parameters, every required one from the azd environment', async () => {
    const main = await loadBicep('infra/main.bicep');
    const parameters = JSON.parse(readRepoFile('infra/main.parameters.json')).parameters as Record<
      string,
      { value: unknown }
    >;
    for (const name of Object.keys(parameters))
      expect(main.params.has(name), `${name} is not a main.bicep parameter`).toBe(true);
    for (const param of main.params.values()) {
      if (param.defaultValue) continue;
      expect(String(parameters[param.name]?.value), `${param.name} (required)`).toMatch(/^\$\{[A-Z_]+\}$/);
    }
    expect(parameters.environmentName?.value).toBe(azdEnv('AZURE_ENV_NAME'));
    expect(parameters.location?.value).toBe(azdEnv('AZURE_LOCATION'));
    expect(parameters.principalId?.value).toBe(azdEnv('AZURE_PRINCIPAL_ID'));
    expect(parameters.tilChannelId?.value).toBe(azdEnv('TIL_CHANNEL_ID'));
  });

  it('every Slack secret reaches the app only as a Key Vault reference, resolved with the identity', async () => {
    const infra = await deployed(
      new Map<string, Value>([
        ['slackBotToken', { kind: 'string', value: 'xoxb-test' }],
        ['adminToken', { kind: 'string', value: 'an-admin-token-of-16+' }],
      ]),
    );
    const settings = await appSettings(infra);
    const vault = infra.one('Microsoft.KeyVault/vaults');
    const secrets = infra.ofType('Microsoft.KeyVault/vaults/secrets');
    const keyVault = infra.main.modules.find((m) => m.path === './app/keyvault.bicep')!;
    for (const [settingName, mainParam] of [
      ['SLACK_SIGNING_SECRET', 'slackSigningSecret'],
      ['SLACK_BOT_TOKEN', 'slackBotToken'],
      ['ADMIN_TOKEN', 'adminToken'],
    ] as const) {
      const value = show(setting(settings, settingName)?.value ?? { kind: 'null' });
      expect(value, settingName).toEqual([
        '@Microsoft.KeyVault(SecretUri=',
        `ref(${vault.file.path}#${vault.symbol}.properties.vaultUri)`,
        expect.stringMatching(/^secrets\/[a-z-]+\/\)$/),
      ]);
      const secretName = (value as string[])[2]!.split('/')[1];
      const secret = await Promise.all(
        secrets.map(async (s) => ({ s, name: literal(await infra.value(s, 'name')) })),
      );
      const stored = secret.find((x) => x.name === secretName)?.s;
      expect(stored, `${settingName}: a secret named ${secretName}`).toBeDefined();
      // The secret's value is the module's @secure() parameter, passed main's @secure() parameter.
      const valueNode = getProperty(stored!.body, 'properties.value');
      expect(stored!.file.params.get(valueNode!.text)?.secure, settingName).toBe(true);
      expect(getProperty(keyVault.body, `params.${valueNode!.text}`)?.text).toBe(mainParam);
    }
    const site = infra.one('Microsoft.Web/sites');
    expect(
      refTo(await infra.value(site, 'properties.keyVaultReferenceIdentity'), theIdentity(infra), 'id'),
    ).toBe(true);
  });

  it('an optional secret that is not given creates no secret and no app setting', async () => {
    const infra = await deployed();
    const settings = await appSettings(infra);
    expect(setting(settings, 'SLACK_SIGNING_SECRET')).toBeDefined();
    expect(setting(settings, 'SLACK_BOT_TOKEN')).toBeUndefined();
    expect(setting(settings, 'ADMIN_TOKEN')).toBeUndefined();
    const conditional = infra.ofType('Microsoft.KeyVault/vaults/secrets').filter((s) => s.conditional);
    expect(conditional).toHaveLength(2);
    for (const secret of conditional)
      expect(literal(await evaluate(secret.condition, infra.scope(secret.file))), secret.symbol).toBe(false);
  });
});
