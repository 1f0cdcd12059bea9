import type { BenchContext } from './lib/context.js';
import { newSection, type Section } from './report.js';

export async function backlog(_ctx: BenchContext): Promise<Section> {
  return newSection('backlog');
}
