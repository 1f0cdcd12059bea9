import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  azureTypesDir,
  checkResources,
  formatProblem,
  loadTypeIndex,
  sharedAzureTypesDir,
} from './azureTypes.js';
import { flatten, infraBicepPaths, loadBicep, loadInfra, moduleProblems, symbolProblems } from './bicep.js';

/**
 * There is no Bicep compiler here: these tests parse every file with tree-sitter-bicep and check what the
 * compiler would: syntax, every property against the Bicep type data of its resource type and API version
 * (test/infra/azure-types, a copy of ../shared/azure-types), symbols, functions, and module parameters and outputs.
 */

describe('Bicep syntax', () => {
  it('finds the infrastructure files', () => {
    const paths = infraBicepPaths();
    expect(paths).toContain('infra/main.bicep');
    expect(paths.filter((p) => p.startsWith('infra/app/')).length).toBeGreaterThanOrEqual(6);
  });

  it('every .bicep file parses without an ERROR or MISSING node', async () => {
    const problems = (await loadInfra()).flatMap((f) =>
      f.syntaxProblems.map((p) => `${f.path}:${p.line}:${p.column}: ${p.kind} ${p.text}`),
    );
    expect(problems).toEqual([]);
  });

  it('reports a syntax error with its line', async () => {
    const file = await loadBicep(
      'infra/broken.bicep',
      "param a string\n\nresource x 'A/b@1' = {\n  name: \n",
    );
    expect(file.syntaxProblems.length).toBeGreaterThan(0);
    expect(file.syntaxProblems[0]!.line).toBeGreaterThanOrEqual(3);
  });
});

describe('Bicep against the resource type data', () => {
  it('keeps a copy of the type data identical to ../shared/azure-types wherever that exists', () => {
    if (!existsSync(sharedAzureTypesDir)) return; // a clone without the shared folder checks against its copy
    for (const file of readdirSync(sharedAzureTypesDir)) {
      expect(readFileSync(join(azureTypesDir, file), 'utf8'), file).toBe(
        readFileSync(join(sharedAzureTypesDir, file), 'utf8'),
      );
    }
  });

  it('has the type data (test/infra/azure-types): the check fails rather than skips without it', () => {
    expect(existsSync(azureTypesDir), `${azureTypesDir} is missing`).toBe(true);
    expect(() => loadTypeIndex('/nonexistent/azure-types')).toThrow(/type data is missing/);
    expect(loadTypeIndex().resources.has('microsoft.web/sites@2024-11-01')).toBe(true);
  });

  it('every resource (nested ones included) sets only writable properties that its type and API version have', async () => {
    const files = await loadInfra();
    const resources = files.flatMap((f) => flatten(f.resources));
    expect(resources.length).toBeGreaterThan(15);
    const problems = files.flatMap((f) => checkResources(f)).map(formatProblem);
    expect(problems).toEqual([]);
  });

  it('no symbol is undefined and every function is a Bicep function', async () => {
    const problems = (await loadInfra()).flatMap(symbolProblems);
    expect(problems).toEqual([]);
  });

  it('every module is given exactly the parameters it declares, and every module output used exists', async () => {
    const problems = (await Promise.all((await loadInfra()).map(moduleProblems))).flat();
    expect(problems).toEqual([]);
  });
});

describe('the checker itself (so it cannot pass silently)', () => {
  const snippet = `
param location string
resource ns 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: 'sb'
  location: location
  sku: {
    name: 'Standad'
  }
  properties: {
    disableLocalAuth: 'yes'
    serviceBusEndpoint: 'https://x'
  }
  resource queue 'queues' = {
    name: 'q'
    properties: {
      requiresSessions: true
      maxDeliveryCount: 5
    }
  }
}
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id'
  location: location
  properties: {}
}
resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: 'st'
  location: location
  sku: {
    name: 'Standard_LRS'
    tier: 'Standard'
  }
}
resource settings 'Microsoft.Web/sites/config@2024-11-01' = {
  name: 'appsettings'
  properties: {
    ANY_NAME: 'a dictionary takes any key'
  }
}
resource queue2 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: ns
  name: 'q2'
  properties: {
    lockDuration: 'PT1M'
  }
}
resource unknownType 'Microsoft.Nope/things@2020-01-01' = {
  name: 'n'
}
output o string = toLowercase(notDeclared)
`;

  it('reports unknown and read-only properties, with the file, line, type and path', async () => {
    const file = await loadBicep('infra/app/servicebus.bicep', snippet);
    const problems = checkResources(file).map(formatProblem);
    expect(problems).toContain(
      'infra/app/servicebus.bicep:16: Microsoft.ServiceBus/namespaces/queues@2024-01-01 properties.requiresSessions: unknown (on SBQueueProperties)',
    );
    expect(problems).toContain(
      'infra/app/servicebus.bicep:11: Microsoft.ServiceBus/namespaces@2024-01-01 properties.serviceBusEndpoint: read-only',
    );
    expect(problems).toContain(
      'infra/app/servicebus.bicep:24: Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31 properties: read-only',
    );
    expect(problems).toContain(
      'infra/app/servicebus.bicep:31: Microsoft.Storage/storageAccounts@2025-01-01 sku.tier: read-only',
    );
  });

  it('reports literals that do not fit, missing required properties and unknown resource types', async () => {
    const file = await loadBicep('infra/app/servicebus.bicep', snippet);
    const problems = checkResources(file).map(formatProblem);
    expect(
      problems.some((p) => p.includes("sku.name: 'Standad' does not fit 'Basic' | 'Standard' | 'Premium'")),
    ).toBe(true);
    expect(problems.some((p) => p.includes("properties.disableLocalAuth: 'yes' does not fit boolean"))).toBe(
      true,
    );
    // A storage account needs a kind.
    expect(
      problems.some((p) =>
        p.includes('Microsoft.Storage/storageAccounts@2025-01-01 kind: required, not set'),
      ),
    ).toBe(true);
    expect(
      problems.some((p) =>
        p.includes('Microsoft.Nope/things@2020-01-01 (type): resource type and API version'),
      ),
    ).toBe(true);
    // What is right is not reported: the dictionary key, the child with parent:, the valid queue properties.
    expect(
      problems.filter((p) => p.includes('ANY_NAME') || p.includes('lockDuration') || p.includes('parent')),
    ).toEqual([]);
    expect(problems.filter((p) => p.includes('maxDeliveryCount'))).toEqual([]);
  });

  it('resolves a nested resource type relative to its parent', async () => {
    const file = await loadBicep('infra/app/servicebus.bicep', snippet);
    expect(flatten(file.resources).map((r) => `${r.type}@${r.apiVersion}`)).toContain(
      'Microsoft.ServiceBus/namespaces/queues@2024-01-01',
    );
  });

  it('reports undefined symbols and unknown functions', async () => {
    const file = await loadBicep('infra/app/servicebus.bicep', snippet);
    expect(symbolProblems(file)).toEqual([
      'infra/app/servicebus.bicep:50: unknown function toLowercase()',
      'infra/app/servicebus.bicep:50: undefined symbol notDeclared',
    ]);
  });

  it('reports a module parameter the module does not declare, and a missing required one', async () => {
    const file = await loadBicep(
      'infra/main.bicep',
      `targetScope = 'subscription'
module sb './app/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    name: 'sb'
    location: 'koreacentral'
    tags: {}
    queuName: 'q'
  }
}
output x string = sb.outputs.nothing
`,
    );
    const problems = await moduleProblems(file);
    expect(problems).toContain(
      'infra/main.bicep:2: module sb: infra/app/servicebus.bicep has no parameter queuName',
    );
    expect(problems).toContain('infra/main.bicep:2: module sb: required parameter queueName not given');
    expect(problems).toContain('infra/main.bicep:11: infra/app/servicebus.bicep has no output nothing');
  });
});
