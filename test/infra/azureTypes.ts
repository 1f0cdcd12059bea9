import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import {
  type BicepFile,
  flatten,
  lineOf,
  objectProperties,
  propertyKey,
  propertyValue,
  type ResourceDecl,
  repoRoot,
  stringLiteral,
} from './bicep.js';

/**
 * The Bicep compiler's resource type data (test/infra/azure-types, a copy of ../shared/azure-types from Azure/bicep-types-az), and a checker that
 * walks a resource body's syntax tree against it: every property set must exist on the type and be writable,
 * required properties must be set, and literal values must fit the property's type.
 */

/** A copy kept with the tests (a fresh clone has no ../shared); bicepTypes.test.ts checks it against the shared one. */
export const azureTypesDir = join(repoRoot, 'test/infra/azure-types');
export const sharedAzureTypesDir = join(repoRoot, '../shared/azure-types');

interface TypeRef {
  $ref: string;
}

type AzType =
  | { $type: 'StringType' | 'IntegerType' | 'BooleanType' | 'AnyType' | 'NullType' }
  | { $type: 'StringLiteralType'; value: string }
  | { $type: 'ArrayType'; itemType: TypeRef }
  | { $type: 'UnionType'; elements: TypeRef[] }
  | {
      $type: 'ObjectType';
      name?: string;
      properties?: Record<string, AzProperty>;
      additionalProperties?: TypeRef;
    }
  | {
      $type: 'DiscriminatedObjectType';
      name?: string;
      discriminator: string;
      baseProperties?: Record<string, AzProperty>;
      elements: Record<string, TypeRef>;
    }
  | { $type: 'ResourceType'; name: string; body: TypeRef }
  | { $type: string };

interface AzProperty {
  type: TypeRef;
  flags?: number;
  description?: string;
}

const FLAG_REQUIRED = 1;
const FLAG_READ_ONLY = 2;

/** A type together with the file (array) its $refs point into. */
interface Resolved {
  table: AzType[];
  type: AzType;
}

export interface TypeIndex {
  /** `microsoft.servicebus/namespaces/queues@2024-01-01` → the resource's body. */
  resources: Map<string, Resolved>;
  files: string[];
}

/**
 * The resource group is not in the shared type data (it is a Microsoft.Resources type); this is its body as the
 * Bicep type data has it for 2021-04-01, trimmed to what a deployment may set.
 */
const RESOURCE_GROUP: AzType[] = [
  {
    $type: 'ObjectType',
    name: 'Microsoft.Resources/resourceGroups',
    properties: {
      id: { type: { $ref: '#/1' }, flags: 10 },
      name: { type: { $ref: '#/1' }, flags: 9 },
      type: { type: { $ref: '#/1' }, flags: 10 },
      apiVersion: { type: { $ref: '#/1' }, flags: 10 },
      location: { type: { $ref: '#/1' }, flags: 1 },
      managedBy: { type: { $ref: '#/1' }, flags: 0 },
      tags: { type: { $ref: '#/2' }, flags: 0 },
      properties: { type: { $ref: '#/3' }, flags: 0 },
    },
  },
  { $type: 'StringType' },
  { $type: 'ObjectType', name: 'ResourceGroupTags', properties: {}, additionalProperties: { $ref: '#/1' } },
  {
    $type: 'ObjectType',
    name: 'ResourceGroupProperties',
    properties: { provisioningState: { type: { $ref: '#/1' }, flags: 2 } },
  },
];

let cachedIndex: TypeIndex | undefined;

/** Loads the type data; throws (so the tests fail, not skip) when the folder is missing. */
export function loadTypeIndex(dir = azureTypesDir): TypeIndex {
  if (dir === azureTypesDir && cachedIndex) return cachedIndex;
  if (!existsSync(dir))
    throw new Error(`the Bicep type data is missing: ${dir} (a copy of ../shared/azure-types)`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (files.length === 0) throw new Error(`no type data (*.json) in ${dir}`);
  const resources = new Map<string, Resolved>();
  for (const file of files) {
    const table = JSON.parse(readFileSync(join(dir, file), 'utf8')) as AzType[];
    for (const entry of table) {
      if (entry.$type === 'ResourceType' && 'name' in entry && 'body' in entry) {
        const resourceType = entry as { name: string; body: TypeRef };
        resources.set(resourceType.name.toLowerCase(), deref(table, resourceType.body));
      }
    }
  }
  resources.set('microsoft.resources/resourcegroups@2021-04-01', {
    table: RESOURCE_GROUP,
    type: RESOURCE_GROUP[0]!,
  });
  const index = { resources, files };
  if (dir === azureTypesDir) cachedIndex = index;
  return index;
}

function deref(table: AzType[], ref: TypeRef): Resolved {
  const match = /^#\/(\d+)$/.exec(ref.$ref);
  if (!match) throw new Error(`unsupported type reference ${ref.$ref}`);
  const type = table[Number(match[1])];
  if (!type) throw new Error(`dangling type reference ${ref.$ref}`);
  return { table, type };
}

export interface TypeProblem {
  file: string;
  line: number;
  resource: string;
  path: string;
  reason: string;
}

export const formatProblem = (p: TypeProblem) => `${p.file}:${p.line}: ${p.resource} ${p.path}: ${p.reason}`;

/** Bicep keywords in a resource body that are not properties of the resource type. */
const RESOURCE_KEYWORDS = new Set(['parent', 'scope', 'dependsOn']);

interface Context {
  file: BicepFile;
  resource: string;
  problems: TypeProblem[];
  /** Skip required-property checks (an `existing` resource only names what exists). */
  existing: boolean;
  seenVars: Set<string>;
}

/** Checks every resource of a file (nested ones included) against the type data. */
export function checkResources(file: BicepFile, index: TypeIndex = loadTypeIndex()): TypeProblem[] {
  const problems: TypeProblem[] = [];
  for (const resource of flatten(file.resources)) problems.push(...checkResource(resource, index));
  return problems;
}

export function checkResource(resource: ResourceDecl, index: TypeIndex = loadTypeIndex()): TypeProblem[] {
  const name = `${resource.type}@${resource.apiVersion}`;
  const problems: TypeProblem[] = [];
  const body = index.resources.get(name.toLowerCase());
  if (!body) {
    problems.push({
      file: resource.file.path,
      line: resource.line,
      resource: name,
      path: '(type)',
      reason: 'resource type and API version not in the type data',
    });
    return problems;
  }
  if (!resource.body) {
    problems.push({
      file: resource.file.path,
      line: resource.line,
      resource: name,
      path: '(body)',
      reason: 'no object body',
    });
    return problems;
  }
  const context: Context = {
    file: resource.file,
    resource: name,
    problems,
    existing: resource.existing,
    seenVars: new Set(),
  };
  checkObject(resource.body, body, '', context, true);
  return problems;
}

interface PropertySet {
  properties: Map<string, { property: AzProperty; table: AzType[] }>;
  additional?: Resolved;
  any: boolean;
  /** Keys already reported (an unknown discriminator value). */
  reported: Set<string>;
  /** Names of the types, for messages. */
  names: string[];
}

function report(context: Context, node: Node, path: string, reason: string) {
  context.problems.push({
    file: context.file.path,
    line: lineOf(node),
    resource: context.resource,
    path,
    reason,
  });
}

const join2 = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** The settable shape of an object-like type; a discriminated type picks its element from the literal. */
function propertySet(
  resolved: Resolved,
  object: Node | undefined,
  context: Context,
  path: string,
): PropertySet | undefined {
  const { table, type } = resolved;
  const set: PropertySet = { properties: new Map(), any: false, reported: new Set(), names: [] };
  const add = (properties: Record<string, AzProperty> | undefined) => {
    for (const [key, property] of Object.entries(properties ?? {}))
      set.properties.set(key, { property, table });
  };
  switch (type.$type) {
    case 'AnyType':
      set.any = true;
      return set;
    case 'ObjectType': {
      const objectType = type as Extract<AzType, { $type: 'ObjectType' }>;
      add(objectType.properties);
      if (objectType.additionalProperties) set.additional = deref(table, objectType.additionalProperties);
      set.names.push(objectType.name ?? 'object');
      return set;
    }
    case 'DiscriminatedObjectType': {
      const discriminated = type as Extract<AzType, { $type: 'DiscriminatedObjectType' }>;
      add(discriminated.baseProperties);
      const property = object
        ? objectProperties(object).find((p) => propertyKey(p) === discriminated.discriminator)
        : undefined;
      const value = property ? stringLiteral(propertyValue(property)) : undefined;
      const chosen = value !== undefined ? discriminated.elements[value] : undefined;
      if (value !== undefined && !chosen && object) {
        report(
          context,
          property!,
          join2(path, discriminated.discriminator),
          `'${value}' is none of ${Object.keys(discriminated.elements).join(', ')}`,
        );
        set.reported.add(discriminated.discriminator);
      }
      const elements = chosen ? [chosen] : Object.values(discriminated.elements);
      for (const element of elements) {
        const inner = propertySet(deref(table, element), undefined, context, path);
        if (!inner) continue;
        for (const [key, entry] of inner.properties)
          if (!set.properties.has(key)) set.properties.set(key, entry);
        set.additional ??= inner.additional;
        set.any ||= inner.any;
      }
      set.names.push(discriminated.name ?? 'object');
      return set;
    }
    case 'UnionType': {
      const union = type as Extract<AzType, { $type: 'UnionType' }>;
      const objects = union.elements
        .map((e) => deref(table, e))
        .map((r) => propertySet(r, object, context, path))
        .filter((s): s is PropertySet => s !== undefined);
      if (objects.length === 0) return undefined;
      for (const inner of objects) {
        for (const [key, entry] of inner.properties)
          if (!set.properties.has(key)) set.properties.set(key, entry);
        set.additional ??= inner.additional;
        set.any ||= inner.any;
        set.names.push(...inner.names);
      }
      return set;
    }
    default:
      return undefined;
  }
}

function checkObject(object: Node, resolved: Resolved, path: string, context: Context, isBody = false) {
  const set = propertySet(resolved, object, context, path);
  if (!set) {
    report(context, object, path, `an object is given where the type is ${describe(resolved)}`);
    return;
  }
  if (set.any) return;
  const present = new Set<string>();
  for (const property of objectProperties(object)) {
    if (property.children.some((c) => c.type === 'resource_declaration')) continue;
    const key = propertyKey(property);
    const value = propertyValue(property);
    if (key === undefined) {
      // A computed key ('${identity.id}'): only a dictionary takes one.
      if (!set.additional)
        report(
          context,
          property,
          join2(path, property.children[0]!.text),
          'computed key on an object without additional properties',
        );
      else if (value) checkValue(value, set.additional, join2(path, '[key]'), context);
      continue;
    }
    present.add(key);
    if ((isBody && RESOURCE_KEYWORDS.has(key)) || set.reported.has(key)) continue;
    const propertyPath = join2(path, key);
    const entry = set.properties.get(key);
    if (!entry) {
      const differentCase = [...set.properties.keys()].find((k) => k.toLowerCase() === key.toLowerCase());
      if (differentCase)
        report(context, property, propertyPath, `unknown (the property is spelled ${differentCase})`);
      else if (set.additional) {
        if (value) checkValue(value, set.additional, propertyPath, context);
      } else report(context, property, propertyPath, `unknown (on ${set.names.join(' | ')})`);
      continue;
    }
    if ((entry.property.flags ?? 0) & FLAG_READ_ONLY) {
      report(context, property, propertyPath, 'read-only');
      continue;
    }
    if (value) checkValue(value, deref(entry.table, entry.property.type), propertyPath, context);
  }
  if (context.existing) return;
  for (const [key, entry] of set.properties) {
    const flags = entry.property.flags ?? 0;
    if (flags & FLAG_REQUIRED && !(flags & FLAG_READ_ONLY) && !present.has(key))
      report(context, object, join2(path, key), 'required, not set');
  }
}

function describe(resolved: Resolved): string {
  const { type, table } = resolved;
  if (type.$type === 'StringLiteralType') return `'${(type as { value: string }).value}'`;
  if (type.$type === 'UnionType')
    return (type as { elements: TypeRef[] }).elements.map((e) => describe(deref(table, e))).join(' | ');
  if (type.$type === 'ArrayType') return 'array';
  if (type.$type === 'ObjectType' || type.$type === 'DiscriminatedObjectType')
    return (type as { name?: string }).name ?? 'object';
  return type.$type.replace(/Type$/, '').toLowerCase();
}

type LiteralKind = 'string' | 'int' | 'bool' | 'null' | 'object' | 'array';

/** Whether a value of this kind (and literal value, when known) fits the type. */
function fits(resolved: Resolved, kind: LiteralKind, literal?: string): boolean {
  const { type, table } = resolved;
  switch (type.$type) {
    case 'AnyType':
      return true;
    case 'StringType':
      return kind === 'string';
    case 'StringLiteralType':
      return kind === 'string' && (literal === undefined || literal === (type as { value: string }).value);
    case 'IntegerType':
      return kind === 'int';
    case 'BooleanType':
      return kind === 'bool';
    case 'NullType':
      return kind === 'null';
    case 'ArrayType':
      return kind === 'array';
    case 'ObjectType':
    case 'DiscriminatedObjectType':
      return kind === 'object';
    case 'UnionType':
      return (type as { elements: TypeRef[] }).elements.some((e) => fits(deref(table, e), kind, literal));
    default:
      return true;
  }
}

function checkValue(value: Node, resolved: Resolved, path: string, context: Context) {
  switch (value.type) {
    case 'object':
      checkObject(value, resolved, path, context);
      return;
    case 'array': {
      if (!fits(resolved, 'array')) {
        report(context, value, path, `an array is given where the type is ${describe(resolved)}`);
        return;
      }
      const item = arrayItemType(resolved);
      if (!item) return;
      value.children
        .filter((c) => c.isNamed && c.type !== 'comment')
        .forEach((element, i) => {
          checkValue(element, item, `${path}[${i}]`, context);
        });
      return;
    }
    case 'for_statement': {
      if (!fits(resolved, 'array')) {
        report(context, value, path, `an array is given where the type is ${describe(resolved)}`);
        return;
      }
      const item = arrayItemType(resolved);
      const body = value.children.find((c) => c.type === 'object' || c.type === 'if_statement');
      const element = body?.type === 'if_statement' ? body.children.find((c) => c.type === 'object') : body;
      if (item && element) checkValue(element, item, `${path}[*]`, context);
      return;
    }
    case 'ternary_expression':
      checkValue(value.children[2]!, resolved, path, context);
      checkValue(value.children[4]!, resolved, path, context);
      return;
    case 'parenthesized_expression':
      checkValue(value.children[1]!, resolved, path, context);
      return;
    case 'string': {
      const literal = stringLiteral(value);
      if (!fits(resolved, 'string', literal))
        report(
          context,
          value,
          path,
          `${literal === undefined ? 'a string' : `'${literal}'`} does not fit ${describe(resolved)}`,
        );
      return;
    }
    case 'number':
      if (!fits(resolved, 'int'))
        report(context, value, path, `${value.text} does not fit ${describe(resolved)}`);
      return;
    case 'boolean':
      if (!fits(resolved, 'bool'))
        report(context, value, path, `${value.text} does not fit ${describe(resolved)}`);
      return;
    case 'identifier': {
      // A variable's value is checked where it is used.
      const variable = context.file.vars.get(value.text);
      if (variable && !context.seenVars.has(value.text)) {
        context.seenVars.add(value.text);
        checkValue(variable, resolved, path, context);
        context.seenVars.delete(value.text);
      }
      return;
    }
    default:
      // Function calls, member access, parameters: their types are the compiler's to infer.
      return;
  }
}

function arrayItemType(resolved: Resolved): Resolved | undefined {
  const { type, table } = resolved;
  if (type.$type === 'ArrayType') return deref(table, (type as { itemType: TypeRef }).itemType);
  if (type.$type === 'UnionType') {
    for (const element of (type as { elements: TypeRef[] }).elements) {
      const item = arrayItemType(deref(table, element));
      if (item) return item;
    }
  }
  return undefined;
}
