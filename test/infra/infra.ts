import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import {
  type BicepFile,
  deployment,
  evaluate,
  findResource,
  flatten,
  getProperty,
  type ResourceDecl,
  repoRoot,
  type Scope,
  type Value,
  walk,
} from './bicep.js';

/** The deployed infrastructure, as the tests see it: resources in their scopes, and the Function App's settings. */

export interface Deployed {
  main: BicepFile;
  scope(file: BicepFile): Scope;
  resources: ResourceDecl[];
  ofType(type: string): ResourceDecl[];
  one(type: string): ResourceDecl;
  /** Evaluates `path` in a resource's body. */
  value(resource: ResourceDecl, path: string): Promise<Value>;
  /** The resource an `existing` declaration names (by its evaluated name), or the resource itself. */
  canonical(resource: ResourceDecl): Promise<ResourceDecl>;
}

export async function deployed(overrides?: Map<string, Value>): Promise<Deployed> {
  const { main, scopes } = await deployment(overrides);
  const files = [...scopes.values()].map((s) => s.file);
  const resources = files.flatMap((f) => flatten(f.resources));
  const scope = (file: BicepFile) => {
    const found = scopes.get(file.path);
    if (!found) throw new Error(`${file.path} is not deployed by infra/main.bicep`);
    return found;
  };
  const ofType = (type: string) => resources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
  const value = (resource: ResourceDecl, path: string) =>
    evaluate(getProperty(resource.body, path), scope(resource.file));
  return {
    main,
    scope,
    resources,
    ofType,
    one(type) {
      const found = ofType(type).filter((r) => !r.existing);
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
      return found[0]!;
    },
    value,
    async canonical(resource) {
      if (!resource.existing) return resource;
      const name = await value(resource, 'name');
      if (name.kind === 'ref' && name.path === 'name' && name.resource.type === resource.type)
        return name.resource;
      throw new Error(
        `${resource.file.path}:${resource.line}: cannot tell which ${resource.type} ${resource.symbol} is`,
      );
    },
  };
}

/** A readable form of a value, for assertions: refs as `ref(<file>#<symbol>.<path>)`. */
export function show(value: Value): unknown {
  switch (value.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return value.value;
    case 'null':
      return null;
    case 'array':
      return value.items.map(show);
    case 'object':
      return Object.fromEntries([...value.entries].map(([k, v]) => [k, show(v)]));
    case 'template':
      return value.parts.map(show);
    case 'ref':
      return `ref(${value.resource.file.path}#${value.resource.symbol}.${value.path})`;
    case 'resource':
      return `resource(${value.resource.file.path}#${value.resource.symbol})`;
    case 'module':
      return `module(${value.module.symbol})`;
    case 'unknown':
      return `?${value.text}`;
  }
}

export const refTo = (value: Value, resource: ResourceDecl, path: string) =>
  value.kind === 'ref' && value.resource === resource && value.path === path;

export interface AppSetting {
  name: string;
  value: Value;
}

/** The Function App's app settings as deployed (siteConfig.appSettings, and any sites/config appsettings). */
export async function appSettings(infra: Deployed): Promise<AppSetting[]> {
  const site = infra.one('Microsoft.Web/sites');
  const settings: AppSetting[] = [];
  const list = await infra.value(site, 'properties.siteConfig.appSettings');
  if (list.kind === 'array') {
    for (const item of list.items) {
      if (item.kind !== 'object') throw new Error('an app setting is not a { name, value } object');
      const name = item.entries.get('name');
      if (name?.kind !== 'string')
        throw new Error(`an app setting has no literal name: ${JSON.stringify(show(item))}`);
      settings.push({ name: name.value, value: item.entries.get('value') ?? { kind: 'null' } });
    }
  } else if (list.kind !== 'unknown' || getProperty(site.body, 'properties.siteConfig.appSettings')) {
    throw new Error(`siteConfig.appSettings does not evaluate to a list: ${JSON.stringify(show(list))}`);
  }
  for (const config of infra.ofType('Microsoft.Web/sites/config')) {
    const name = await infra.value(config, 'name');
    if (name.kind !== 'string' || name.value !== 'appsettings') continue;
    const properties = await infra.value(config, 'properties');
    if (properties.kind === 'object')
      for (const [key, value] of properties.entries) settings.push({ name: key, value });
  }
  return settings;
}

export const setting = (settings: AppSetting[], name: string) => settings.find((s) => s.name === name);

/** The only user-assigned identity (SPEC: one identity for everything). */
export const theIdentity = (infra: Deployed) => infra.one('Microsoft.ManagedIdentity/userAssignedIdentities');

export { findResource };

export const readRepoFile = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/** ISO 8601 duration (PnDTnHnMnS) in seconds. */
export function isoDurationSeconds(duration: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!match || duration === 'P' || duration.endsWith('T'))
    throw new Error(`not an ISO 8601 duration: ${duration}`);
  const [, d, h, m, s] = match;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

/** .NET TimeSpan ([d.]hh:mm:ss) in seconds, as host.json writes durations. */
export function timeSpanSeconds(span: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(span);
  if (!match) throw new Error(`not a TimeSpan: ${span}`);
  const [, d, h, m, s] = match;
  return Number(d ?? 0) * 86400 + Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/**
 * A parser for the YAML subset azure.yaml uses (nested maps, lists of scalars and maps, comments, plain and
 * quoted scalars): enough to check azure.yaml without a YAML dependency.
 */
export function parseSimpleYaml(text: string): unknown {
  const lines = text
    .split('\n')
    .map((raw) => raw.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, ''))
    .filter((l) => l.trim() !== '')
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;
  const scalar = (s: string): unknown => {
    if (/^'.*'$/.test(s)) return s.slice(1, -1).replace(/''/g, "'");
    if (/^".*"$/.test(s)) return JSON.parse(s);
    if (s === 'true' || s === 'false') return s === 'true';
    if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
    return s;
  };
  const block = (indent: number): unknown => {
    if (lines[i]!.text.startsWith('- ')) {
      const list: unknown[] = [];
      while (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith('- ')) {
        const item = lines[i]!.text.slice(2);
        const itemIndent = indent + 2;
        if (/^[\w.-]+:(\s|$)/.test(item)) {
          // A map item: its first key on the dash line, more keys indented below.
          lines[i] = { indent: itemIndent, text: item };
          list.push(block(itemIndent));
        } else {
          list.push(scalar(item));
          i++;
        }
      }
      return list;
    }
    const map: Record<string, unknown> = {};
    while (i < lines.length && lines[i]!.indent === indent && !lines[i]!.text.startsWith('- ')) {
      const match = /^([\w.$-]+):(?:\s+(.*))?$/.exec(lines[i]!.text);
      if (!match) throw new Error(`unsupported YAML: ${lines[i]!.text}`);
      i++;
      const [, key, rest] = match;
      if (rest !== undefined && rest !== '') map[key!] = scalar(rest);
      else map[key!] = i < lines.length && lines[i]!.indent > indent ? block(lines[i]!.indent) : null;
    }
    return map;
  };
  return lines.length ? block(lines[0]!.indent) : {};
}

/** Outputs that expose a @secure() parameter (directly or through variables), or are named like a secret. */
export function secretOutputs(file: BicepFile): string[] {
  const secure = new Set([...file.params.values()].filter((p) => p.secure).map((p) => p.name));
  const reaches = (node: Node, seen = new Set<string>()): boolean => {
    for (const n of walk(node)) {
      if (n.type !== 'identifier') continue;
      if (secure.has(n.text)) return true;
      const variable = file.vars.get(n.text);
      if (variable && !seen.has(n.text)) {
        seen.add(n.text);
        if (reaches(variable, seen)) return true;
      }
    }
    return false;
  };
  return file.outputs
    .filter((o) => reaches(o.value) || /secret|password|token|connectionstring/i.test(o.name))
    .map((o) => `${file.path}:${o.line}: output ${o.name}`);
}
