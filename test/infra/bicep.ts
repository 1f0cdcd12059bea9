import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Language, type Node, Parser } from 'web-tree-sitter';

/**
 * A small Bicep front end for the infra tests, on tree-sitter-bicep (there is no Bicep compiler here): the
 * declarations of each file, a symbolic evaluator that follows parameters, variables, module parameters and
 * module outputs across files, and checks that a compiler would make (undefined symbols, unknown functions,
 * module parameters and outputs).
 */

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const infraDir = join(repoRoot, 'infra');

let parserPromise: Promise<Parser> | undefined;

export function bicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const language = await Language.load(
      join(repoRoot, 'node_modules/tree-sitter-bicep/tree-sitter-bicep.wasm'),
    );
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

export interface SyntaxProblem {
  line: number;
  column: number;
  kind: 'ERROR' | 'MISSING';
  text: string;
}

export interface Decorator {
  name: string;
  args: Node[];
}

export interface ParamDecl {
  name: string;
  type: string;
  defaultValue?: Node;
  decorators: Decorator[];
  secure: boolean;
  line: number;
}

export interface ResourceDecl {
  file: BicepFile;
  symbol: string;
  /** The type as written ('queues' for a nested resource). */
  declaredType: string;
  /** Full type, e.g. Microsoft.ServiceBus/namespaces/queues. */
  type: string;
  apiVersion: string;
  existing: boolean;
  conditional: boolean;
  /** The `if (…)` condition. */
  condition?: Node;
  loop: boolean;
  /** The object literal of the body (under `if` / `for`). */
  body?: Node;
  nestedIn?: ResourceDecl;
  children: ResourceDecl[];
  line: number;
}

export interface ModuleDecl {
  file: BicepFile;
  symbol: string;
  path: string;
  body?: Node;
  line: number;
}

export interface OutputDecl {
  name: string;
  type: string;
  value: Node;
  decorators: Decorator[];
  line: number;
}

export interface BicepFile {
  /** Path relative to the repository root, e.g. infra/app/servicebus.bicep. */
  path: string;
  absolutePath: string;
  source: string;
  root: Node;
  syntaxProblems: SyntaxProblem[];
  targetScope?: string;
  params: Map<string, ParamDecl>;
  vars: Map<string, Node>;
  resources: ResourceDecl[];
  modules: ModuleDecl[];
  outputs: OutputDecl[];
}

export const lineOf = (node: Node) => node.startPosition.row + 1;

/** The nodes of a subtree, depth first. */
export function* walk(node: Node): Generator<Node> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

export function syntaxProblems(root: Node): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  for (const node of walk(root)) {
    if (node.type === 'ERROR' || node.isMissing) {
      problems.push({
        line: lineOf(node),
        column: node.startPosition.column + 1,
        kind: node.isMissing ? 'MISSING' : 'ERROR',
        text: node.isMissing ? node.type : node.text.slice(0, 60),
      });
    }
  }
  return problems;
}

/** The text of a string literal, or undefined when it interpolates. */
export function stringLiteral(node: Node | undefined | null): string | undefined {
  if (node?.type !== 'string') return undefined;
  let text = '';
  for (const part of node.children) {
    if (part.type === 'interpolation') return undefined;
    if (part.type === 'string_content') text += part.text;
    if (part.type === 'escape_sequence') text += unescapeBicep(part.text);
  }
  return text;
}

function unescapeBicep(sequence: string): string {
  const map: Record<string, string> = {
    "\\'": "'",
    '\\\\': '\\',
    '\\n': '\n',
    '\\r': '\r',
    '\\t': '\t',
    '\\$': '$',
  };
  if (map[sequence] !== undefined) return map[sequence];
  const unicode = /^\\u\{([0-9a-fA-F]+)\}$/.exec(sequence);
  return unicode ? String.fromCodePoint(Number.parseInt(unicode[1]!, 16)) : sequence;
}

/** The key of an object property: its name, or undefined for a computed ('${…}') key. */
export function propertyKey(property: Node): string | undefined {
  const key = property.children[0];
  if (!key) return undefined;
  if (key.type === 'identifier' || key.type === 'compatible_identifier') return key.text;
  return stringLiteral(key);
}

/** The value node of an object property (undefined for a nested resource). */
export function propertyValue(property: Node): Node | undefined {
  const colon = property.children.findIndex((c) => c.type === ':');
  return colon >= 0 ? property.children[colon + 1] : undefined;
}

export function objectProperties(object: Node): Node[] {
  return object.children.filter((c) => c.type === 'object_property');
}

/** The value of `a.b.c` in an object literal, following nested object literals. */
export function getProperty(object: Node | undefined, path: string): Node | undefined {
  let current = object;
  for (const segment of path.split('.')) {
    if (current?.type !== 'object') return undefined;
    const property = objectProperties(current).find((p) => propertyKey(p) === segment);
    current = property ? propertyValue(property) : undefined;
  }
  return current;
}

function decoratorsBefore(node: Node): Decorator[] {
  const previous = node.previousSibling;
  if (previous?.type !== 'decorators') return [];
  return previous.children
    .filter((d) => d.type === 'decorator')
    .map((d) => {
      const expression = d.children[1];
      if (expression?.type === 'call_expression') {
        const callee = expression.children[0]!;
        const args = expression.children[1]?.children.filter((a) => a.isNamed) ?? [];
        return { name: callee.text.replace(/^sys\./, ''), args };
      }
      return { name: expression?.text ?? '', args: [] };
    });
}

/** The object literal under `= {…}`, `= if (…) {…}` or `= [for …: {…}]`. */
function declarationBody(value: Node | undefined): {
  body?: Node;
  conditional: boolean;
  condition?: Node;
  loop: boolean;
} {
  let conditional = false;
  let condition: Node | undefined;
  let loop = false;
  let current = value;
  while (current && current.type !== 'object') {
    if (current.type === 'if_statement') {
      conditional = true;
      condition = current.children.find((c) => c.type === 'parenthesized_expression');
      current = current.children.find((c) => c.type === 'object' || c.type === 'for_statement');
    } else if (current.type === 'for_statement') {
      loop = true;
      current = current.children.find((c) => c.type === 'object' || c.type === 'if_statement');
    } else {
      return { conditional, condition, loop };
    }
  }
  return { body: current, conditional, condition, loop };
}

const afterEquals = (node: Node) => {
  const index = node.children.findIndex((c) => c.type === '=');
  return index >= 0 ? node.children[index + 1] : undefined;
};

function splitType(typeString: string): { type: string; apiVersion: string } {
  const at = typeString.indexOf('@');
  return at < 0
    ? { type: typeString, apiVersion: '' }
    : { type: typeString.slice(0, at), apiVersion: typeString.slice(at + 1) };
}

function resourceDecl(file: BicepFile, node: Node, nestedIn?: ResourceDecl): ResourceDecl {
  const symbol = node.children.find((c) => c.type === 'identifier')!.text;
  const declaredType = stringLiteral(node.children.find((c) => c.type === 'string')) ?? '';
  const existing = node.children.some((c) => c.type === 'existing');
  const written = splitType(declaredType);
  // A nested resource may name its type relative to its parent's ('queues' or 'queues@2024-01-01').
  const relativeToParent = nestedIn && !written.type.split('/')[0]!.includes('.');
  const type = relativeToParent ? `${nestedIn.type}/${written.type}` : written.type;
  const apiVersion = written.apiVersion || (relativeToParent ? nestedIn.apiVersion : '');
  const { body, conditional, condition, loop } = declarationBody(afterEquals(node));
  const decl: ResourceDecl = {
    file,
    symbol,
    declaredType,
    type,
    apiVersion,
    existing,
    conditional,
    condition,
    loop,
    body,
    nestedIn,
    children: [],
    line: lineOf(node),
  };
  for (const property of body ? objectProperties(body) : []) {
    const nested = property.children.find((c) => c.type === 'resource_declaration');
    if (nested) decl.children.push(resourceDecl(file, nested, decl));
  }
  return decl;
}

export function flatten(resources: ResourceDecl[]): ResourceDecl[] {
  return resources.flatMap((r) => [r, ...flatten(r.children)]);
}

const fileCache = new Map<string, Promise<BicepFile>>();

/** Parses a .bicep file (cached), or a snippet when `source` is given. */
export function loadBicep(path: string, source?: string): Promise<BicepFile> {
  const absolutePath = resolve(repoRoot, path);
  if (source !== undefined) return parseBicep(absolutePath, source);
  let cached = fileCache.get(absolutePath);
  if (!cached) {
    cached = parseBicep(absolutePath, readFileSync(absolutePath, 'utf8'));
    fileCache.set(absolutePath, cached);
  }
  return cached;
}

async function parseBicep(absolutePath: string, source: string): Promise<BicepFile> {
  const parser = await bicepParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error(`tree-sitter could not parse ${absolutePath}`);
  const root = tree.rootNode;
  const file: BicepFile = {
    path: relative(repoRoot, absolutePath),
    absolutePath,
    source,
    root,
    syntaxProblems: syntaxProblems(root),
    params: new Map(),
    vars: new Map(),
    resources: [],
    modules: [],
    outputs: [],
  };
  for (const node of root.children) {
    const name = node.children.find((c) => c.type === 'identifier')?.text ?? '';
    switch (node.type) {
      case 'target_scope_assignment':
        file.targetScope = stringLiteral(node.children.find((c) => c.type === 'string'));
        break;
      case 'parameter_declaration': {
        const decorators = decoratorsBefore(node);
        file.params.set(name, {
          name,
          type: node.children.find((c) => c.type === 'type')?.text ?? '',
          defaultValue: afterEquals(node),
          decorators,
          secure: decorators.some((d) => d.name === 'secure'),
          line: lineOf(node),
        });
        break;
      }
      case 'variable_declaration': {
        const value = afterEquals(node);
        if (value) file.vars.set(name, value);
        break;
      }
      case 'resource_declaration':
        file.resources.push(resourceDecl(file, node));
        break;
      case 'module_declaration':
        file.modules.push({
          file,
          symbol: name,
          path: stringLiteral(node.children.find((c) => c.type === 'string')) ?? '',
          body: declarationBody(afterEquals(node)).body,
          line: lineOf(node),
        });
        break;
      case 'output_declaration':
        file.outputs.push({
          name,
          type: node.children.find((c) => c.type === 'type')?.text ?? '',
          value: afterEquals(node)!,
          decorators: decoratorsBefore(node),
          line: lineOf(node),
        });
        break;
    }
  }
  return file;
}

/** Every .bicep file under infra/, as repository-relative paths. */
export function infraBicepPaths(): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.bicep')) found.push(relative(repoRoot, path));
    }
  };
  visit(infraDir);
  return found.sort();
}

export const loadInfra = () => Promise.all(infraBicepPaths().map((p) => loadBicep(p)));

export async function moduleFile(module: ModuleDecl): Promise<BicepFile> {
  if (!module.path.startsWith('.')) throw new Error(`${module.file.path}:${module.line}: not a local module`);
  return loadBicep(relative(repoRoot, resolve(dirname(module.file.absolutePath), module.path)));
}

// ---------------------------------------------------------------------------------------------------------
// Symbolic evaluation across modules

/** Where an expression is evaluated: a file, and the parameter values its module declaration passes. */
export interface Scope {
  file: BicepFile;
  /** Module parameters: name → argument, evaluated in the caller's scope. */
  args?: Map<string, { node: Node; scope: Scope }>;
  /** Parameter values fixed by a test (what-if), taking precedence over arguments and defaults. */
  overrides?: Map<string, Value>;
  caller?: Scope;
}

export type Value =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'array'; items: Value[] }
  | { kind: 'object'; entries: Map<string, Value> }
  /** A string with parts only Azure knows: literal text and references, in order. */
  | { kind: 'template'; parts: Value[] }
  | { kind: 'resource'; resource: ResourceDecl; scope: Scope }
  /** A property of a deployed resource that only Azure knows (its id, principalId, endpoints, a computed name). */
  | { kind: 'ref'; resource: ResourceDecl; path: string }
  | { kind: 'module'; module: ModuleDecl; scope: Scope }
  | { kind: 'unknown'; text: string };

export const rootScope = (file: BicepFile, overrides?: Map<string, Value>): Scope => ({ file, overrides });

export async function moduleScope(module: ModuleDecl, caller: Scope): Promise<Scope> {
  const file = await moduleFile(module);
  const args = new Map<string, { node: Node; scope: Scope }>();
  const params = getProperty(module.body, 'params');
  if (params?.type === 'object') {
    for (const property of objectProperties(params)) {
      const value = propertyValue(property);
      const key = propertyKey(property);
      if (key && value) args.set(key, { node: value, scope: caller });
    }
  }
  return { file, args, caller };
}

export function findResource(file: BicepFile, symbol: string): ResourceDecl | undefined {
  return flatten(file.resources).find((r) => r.symbol === symbol);
}

const unknown = (node: Node): Value => ({ kind: 'unknown', text: node.text });

const isScalar = (v: Value): v is Extract<Value, { kind: 'string' | 'number' | 'boolean' }> =>
  v.kind === 'string' || v.kind === 'number' || v.kind === 'boolean';

/** Joins string parts: all literal → a string; otherwise a template of literal runs and references. */
function concatParts(parts: Value[]): Value {
  const merged: Value[] = [];
  for (const part of parts.flatMap((p) => (p.kind === 'template' ? p.parts : [p]))) {
    const last = merged.at(-1);
    if (isScalar(part) && last?.kind === 'string')
      merged[merged.length - 1] = { kind: 'string', value: last.value + String(part.value) };
    else merged.push(isScalar(part) ? { kind: 'string', value: String(part.value) } : part);
  }
  if (merged.length === 0) return { kind: 'string', value: '' };
  return merged.length === 1 && merged[0]!.kind === 'string'
    ? merged[0]!
    : { kind: 'template', parts: merged };
}

function fromJson(json: unknown): Value {
  if (json === null) return { kind: 'null' };
  if (Array.isArray(json)) return { kind: 'array', items: json.map(fromJson) };
  if (typeof json === 'object')
    return { kind: 'object', entries: new Map(Object.entries(json).map(([k, v]) => [k, fromJson(v)])) };
  if (typeof json === 'string') return { kind: 'string', value: json };
  if (typeof json === 'number') return { kind: 'number', value: json };
  return { kind: 'boolean', value: Boolean(json) };
}

function truthy(value: Value): boolean | undefined {
  return value.kind === 'boolean' ? value.value : undefined;
}

function isEmpty(value: Value): boolean | undefined {
  if (value.kind === 'string') return value.value === '';
  if (value.kind === 'array') return value.items.length === 0;
  if (value.kind === 'object') return value.entries.size === 0;
  if (value.kind === 'null') return true;
  return undefined;
}

/** Evaluates an expression as far as the files tell; what only Azure knows stays symbolic. */
export async function evaluate(node: Node | undefined | null, scope: Scope, depth = 0): Promise<Value> {
  if (!node || depth > 80) return { kind: 'unknown', text: node?.text ?? '' };
  const next = (n: Node | undefined | null, s: Scope = scope) => evaluate(n, s, depth + 1);
  switch (node.type) {
    case 'string': {
      const parts: Value[] = [];
      for (const part of node.children) {
        if (part.type === 'string_content') parts.push({ kind: 'string', value: part.text });
        else if (part.type === 'escape_sequence')
          parts.push({ kind: 'string', value: unescapeBicep(part.text) });
        else if (part.type === 'interpolation') parts.push(await next(part.children[1]));
      }
      return concatParts(parts);
    }
    case 'number':
      return { kind: 'number', value: Number(node.text) };
    case 'boolean':
      return { kind: 'boolean', value: node.text === 'true' };
    case 'null':
      return { kind: 'null' };
    case 'parenthesized_expression':
      return next(node.children[1]);
    case 'array': {
      const items: Value[] = [];
      for (const child of node.children)
        if (child.isNamed && child.type !== 'comment') items.push(await next(child));
      return { kind: 'array', items };
    }
    case 'object': {
      const entries = new Map<string, Value>();
      for (const property of objectProperties(node)) {
        const key = propertyKey(property);
        const value = propertyValue(property);
        if (key !== undefined && value) entries.set(key, await next(value));
      }
      return { kind: 'object', entries };
    }
    case 'ternary_expression': {
      const condition = truthy(await next(node.children[0]));
      if (condition === undefined) return unknown(node);
      return next(node.children[condition ? 2 : 4]);
    }
    case 'unary_expression': {
      const operand = await next(node.children[1]);
      if (node.children[0]!.text === '!' && operand.kind === 'boolean')
        return { kind: 'boolean', value: !operand.value };
      if (node.children[0]!.text === '-' && operand.kind === 'number')
        return { kind: 'number', value: -operand.value };
      return unknown(node);
    }
    case 'binary_expression': {
      const operator = node.children[1]!.text;
      const left = await next(node.children[0]);
      if (operator === '??')
        return left.kind === 'null' || left.kind === 'unknown' ? next(node.children[2]) : left;
      const right = await next(node.children[2]);
      if (operator === '&&' || operator === '||') {
        const [l, r] = [truthy(left), truthy(right)];
        if (l === undefined || r === undefined) return unknown(node);
        return { kind: 'boolean', value: operator === '&&' ? l && r : l || r };
      }
      if (!isScalar(left) || !isScalar(right)) return unknown(node);
      const [a, b] = [left.value, right.value];
      const compare: Record<string, (x: typeof a, y: typeof b) => boolean> = {
        '==': (x, y) => x === y,
        '!=': (x, y) => x !== y,
        '>': (x, y) => x > y,
        '>=': (x, y) => x >= y,
        '<': (x, y) => x < y,
        '<=': (x, y) => x <= y,
      };
      const comparison = compare[operator];
      if (comparison) return { kind: 'boolean', value: comparison(a, b) };
      if (operator === '+' && typeof a === 'number' && typeof b === 'number')
        return { kind: 'number', value: a + b };
      return unknown(node);
    }
    case 'call_expression': {
      const callee = node.children[0]!.text;
      const args: Value[] = [];
      for (const arg of node.children[1]?.children.filter((c) => c.isNamed) ?? []) args.push(await next(arg));
      if (callee === 'loadJsonContent' && args[0]?.kind === 'string')
        return fromJson(
          JSON.parse(readFileSync(resolve(dirname(scope.file.absolutePath), args[0].value), 'utf8')),
        );
      if (callee === 'empty' && args[0]) {
        const empty = isEmpty(args[0]);
        return empty === undefined ? unknown(node) : { kind: 'boolean', value: empty };
      }
      if (callee === 'concat' && args.every((a) => a.kind === 'array'))
        return { kind: 'array', items: args.flatMap((a) => (a.kind === 'array' ? a.items : [])) };
      if (callee === 'concat' && args.every((a) => a.kind !== 'array')) return concatParts(args);
      if (callee === 'union' && args.every((a) => a.kind === 'object'))
        return {
          kind: 'object',
          entries: new Map(args.flatMap((a) => (a.kind === 'object' ? [...a.entries] : []))),
        };
      return unknown(node);
    }
    case 'identifier': {
      const name = node.text;
      const override = scope.overrides?.get(name);
      if (override && scope.file.params.has(name)) return override;
      const arg = scope.args?.get(name);
      if (arg) return next(arg.node, arg.scope);
      const param = scope.file.params.get(name);
      if (param) return param.defaultValue ? next(param.defaultValue) : unknown(node);
      const variable = scope.file.vars.get(name);
      if (variable) return next(variable);
      const resource = findResource(scope.file, name);
      if (resource) return { kind: 'resource', resource, scope };
      const module = scope.file.modules.find((m) => m.symbol === name);
      if (module) return { kind: 'module', module, scope };
      return unknown(node);
    }
    case 'resource_expression': {
      const names = node.children.filter((c) => c.type === 'identifier').map((c) => c.text);
      let resource = findResource(scope.file, names[0]!);
      for (const child of names.slice(1)) resource = resource?.children.find((c) => c.symbol === child);
      return resource ? { kind: 'resource', resource, scope } : unknown(node);
    }
    case 'member_expression': {
      const object = node.children[0]!;
      const property = node.children[node.children.length - 1]!.text;
      // module.outputs.<name>
      if (object.type === 'member_expression' && object.children.at(-1)?.text === 'outputs') {
        const target = await next(object.children[0]);
        if (target.kind === 'module') {
          const inner = await moduleScope(target.module, target.scope);
          const output = inner.file.outputs.find((o) => o.name === property);
          return output ? next(output.value, inner) : unknown(node);
        }
      }
      const target = await next(object);
      if (target.kind === 'resource') {
        if (property === 'name') {
          const name = await next(getProperty(target.resource.body, 'name'), target.scope);
          return name.kind === 'string' ? name : { kind: 'ref', resource: target.resource, path: 'name' };
        }
        return { kind: 'ref', resource: target.resource, path: property };
      }
      if (target.kind === 'ref')
        return { kind: 'ref', resource: target.resource, path: `${target.path}.${property}` };
      if (target.kind === 'object') return target.entries.get(property) ?? unknown(node);
      return unknown(node);
    }
    case 'subscript_expression': {
      const target = await next(node.children[0]);
      const index = await next(node.children[2]);
      if (target.kind === 'array' && index.kind === 'number')
        return target.items[index.value] ?? unknown(node);
      if (target.kind === 'object' && index.kind === 'string')
        return target.entries.get(index.value) ?? unknown(node);
      return unknown(node);
    }
    default:
      return unknown(node);
  }
}

export const asString = (value: Value): string | undefined =>
  value.kind === 'string' ? value.value : undefined;

/** The scope each file is deployed in: main.bicep at the root, each module with its caller's arguments. */
export async function deployment(
  overrides?: Map<string, Value>,
): Promise<{ main: BicepFile; scopes: Map<string, Scope> }> {
  const main = await loadBicep('infra/main.bicep');
  const root = rootScope(main, overrides);
  const scopes = new Map<string, Scope>([[main.path, root]]);
  const visit = async (scope: Scope): Promise<void> => {
    for (const module of scope.file.modules) {
      const inner = await moduleScope(module, scope);
      scopes.set(inner.file.path, inner);
      await visit(inner);
    }
  };
  await visit(root);
  return { main, scopes };
}

// ---------------------------------------------------------------------------------------------------------
// What a compiler would reject: undefined symbols, unknown functions, module parameters and outputs

const FUNCTIONS = new Set(
  (
    'any array base64 base64ToJson base64ToString bool cidrHost cidrSubnet coalesce concat contains dataUri ' +
    'dataUriToString dateTimeAdd dateTimeFromEpoch dateTimeToEpoch deployer deployment empty endsWith ' +
    'environment extensionResourceId filter first flatten format getSecret groupBy guid indexOf int ' +
    'intersection items join json last lastIndexOf length loadFileAsBase64 loadJsonContent loadTextContent ' +
    'loadYamlContent managementGroup managementGroupResourceId map mapValues max min newGuid objectKeys padLeft ' +
    'parseCidr parseUri pickZones range readEnvironmentVariable reduce reference replace resourceGroup resourceId ' +
    'shallowMerge skip sort split startsWith string subscription subscriptionResourceId substring take tenant ' +
    'tenantResourceId toLower toObject toUpper trim tryGet union uniqueString uri uriComponent ' +
    'uriComponentToString utcNow'
  ).split(' '),
);

const DECORATORS = new Set(
  'allowed batchSize description discriminator export metadata maxLength maxValue minLength minValue onlyIfNotExists sealed secure'.split(
    ' ',
  ),
);

const DECLARATIONS = new Set([
  'parameter_declaration',
  'variable_declaration',
  'resource_declaration',
  'module_declaration',
  'output_declaration',
  'type_declaration',
  'user_defined_function',
  'metadata_declaration',
]);

/** Undefined symbols, unknown functions and decorators, and misplaced `::` child names. */
export function symbolProblems(file: BicepFile): string[] {
  const declared = new Set<string>([...file.params.keys(), ...file.vars.keys()]);
  for (const r of flatten(file.resources)) declared.add(r.symbol);
  for (const m of file.modules) declared.add(m.symbol);
  // Loop variables and lambda parameters (declared for the whole file: lenient, but catches typos elsewhere).
  for (const node of walk(file.root)) {
    if (node.type === 'for_statement') {
      const forIndex = node.children.findIndex((c) => c.type === 'for');
      const variable = node.children[forIndex + 1];
      if (variable?.type === 'identifier') declared.add(variable.text);
      if (variable?.type === 'for_loop_parameters')
        for (const c of walk(variable))
          if (c.type === 'identifier' || c.type === 'loop_variable') declared.add(c.text);
    }
    if (node.type === 'lambda_expression') {
      const arrow = node.children.findIndex((c) => c.type === '=>');
      for (const c of node.children.slice(0, arrow))
        for (const id of walk(c)) if (id.type === 'identifier') declared.add(id.text);
    }
  }
  const problems: string[] = [];
  const where = (node: Node) => `${file.path}:${lineOf(node)}`;
  const visit = (node: Node) => {
    if (node.type === 'type' || node.type === 'comment') return;
    if (node.type === 'call_expression') {
      const callee = node.children[0]!;
      const inDecorator = node.parent?.type === 'decorator';
      if (callee.type === 'identifier') {
        const known = inDecorator ? DECORATORS.has(callee.text) : FUNCTIONS.has(callee.text);
        if (!known)
          problems.push(
            `${where(callee)}: unknown ${inDecorator ? 'decorator' : 'function'} ${callee.text}()`,
          );
      } else {
        visit(callee);
      }
      for (const child of node.children.slice(1)) visit(child);
      return;
    }
    if (node.type === 'resource_expression') {
      const names = node.children.filter((c) => c.type === 'identifier');
      let resource = findResource(file, names[0]!.text);
      if (!resource) problems.push(`${where(node)}: undefined symbol ${names[0]!.text}`);
      for (const child of names.slice(1)) {
        const next = resource?.children.find((c) => c.symbol === child.text);
        if (resource && !next)
          problems.push(`${where(child)}: ${resource.symbol} has no child resource ${child.text}`);
        resource = next;
      }
      return;
    }
    if (node.type === 'identifier') {
      const parent = node.parent!;
      const isDeclarationName =
        DECLARATIONS.has(parent.type) && parent.children.find((c) => c.type === 'identifier')?.id === node.id;
      const isKey = parent.type === 'object_property' && parent.children[0]?.id === node.id;
      const isLoopVariable = parent.type === 'for_statement' && node.previousSibling?.type === 'for';
      const isLambdaParameter =
        parent.type === 'lambda_expression' &&
        parent.children.findIndex((c) => c.type === '=>') >
          parent.children.findIndex((c) => c.id === node.id);
      const isLoopOrLambda = isLoopVariable || isLambdaParameter;
      if (
        !isDeclarationName &&
        !isKey &&
        !isLoopOrLambda &&
        !declared.has(node.text) &&
        !['az', 'sys'].includes(node.text)
      )
        problems.push(`${where(node)}: undefined symbol ${node.text}`);
      return;
    }
    for (const child of node.children) visit(child);
  };
  for (const node of file.root.children) visit(node);
  return problems;
}

/** Module parameters that the module does not declare or that are missing, and unknown module outputs. */
export async function moduleProblems(file: BicepFile): Promise<string[]> {
  const problems: string[] = [];
  for (const module of file.modules) {
    let target: BicepFile;
    try {
      target = await moduleFile(module);
    } catch (error) {
      problems.push(`${file.path}:${module.line}: module ${module.symbol}: ${(error as Error).message}`);
      continue;
    }
    const params = getProperty(module.body, 'params');
    const given = new Set(params ? objectProperties(params).map((p) => propertyKey(p) ?? '') : []);
    for (const name of given)
      if (!target.params.has(name))
        problems.push(
          `${file.path}:${module.line}: module ${module.symbol}: ${target.path} has no parameter ${name}`,
        );
    for (const param of target.params.values())
      if (!param.defaultValue && !given.has(param.name))
        problems.push(
          `${file.path}:${module.line}: module ${module.symbol}: required parameter ${param.name} not given`,
        );
    if (!getProperty(module.body, 'name'))
      problems.push(`${file.path}:${module.line}: module ${module.symbol}: no name`);
    for (const node of walk(file.root)) {
      if (node.type !== 'member_expression') continue;
      const object = node.children[0]!;
      if (object.type !== 'member_expression' || object.children.at(-1)?.text !== 'outputs') continue;
      if (object.children[0]?.text !== module.symbol) continue;
      const output = node.children.at(-1)!.text;
      if (!target.outputs.some((o) => o.name === output))
        problems.push(`${file.path}:${lineOf(node)}: ${target.path} has no output ${output}`);
    }
  }
  return problems;
}
