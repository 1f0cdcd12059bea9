/**
 * `bench --profile`: CPU profiles of the product during a window (taken by bench/probe.mjs through the
 * inspector), kept in bench/.build/profiles/ for DevTools and summarised here: self time by module (a package
 * in node_modules, a file of functions/, a node: internal) and by function.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDir } from './build.js';
import type { ServerChild } from './servers.js';
import { num } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export const profilesDir = join(buildDir, 'profiles');

/** Runs `during` with `server` profiled; resolves with the profile's path. */
export async function profiled(
  server: ServerChild,
  name: string,
  during: () => Promise<void>,
): Promise<string> {
  await mkdir(profilesDir, { recursive: true });
  const path = join(profilesDir, `${name}.cpuprofile`);
  const running = await server.profile();
  try {
    await during();
  } finally {
    await running.stop(path);
  }
  return path;
}

function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nodeModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nodeModules) return nodeModules[1]!;
  const own = /\/(functions\/.+?)\.[cm]?[jt]s$/.exec(url);
  if (own) return own[1]!;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url.replace(/^file:\/\//, '');
}

/** Markdown lines: the top modules and functions by self time, as shares of the samples that were not idle. */
export async function summarize(path: string, top = 12): Promise<string[]> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const totalHits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const ms = (profile.endTime - profile.startTime) / 1000;
  const msPerHit = totalHits ? ms / totalHits : 0;
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += hits;
      continue;
    }
    const module = moduleOf(url, functionName);
    byModule.set(module, (byModule.get(module) ?? 0) + hits);
    const fn = `${functionName || '(anonymous)'} ${module}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
  }
  const busy = totalHits - idle;
  const pct = (hits: number) => `${((100 * hits) / Math.max(1, busy)).toFixed(1)} %`;
  const rank = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => `${name} ${pct(hits)}`);
  return [
    `busy ${num(busy * msPerHit)} ms of ${num(ms)} ms profiled (\`${path.slice(path.indexOf('bench/'))}\`)`,
    '',
    `- by module (self time): ${rank(byModule).join(' · ')}`,
    `- by function (self time): ${rank(byFunction).join(' · ')}`,
  ];
}
