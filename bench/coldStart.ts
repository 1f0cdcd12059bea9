import type { BenchContext } from './lib/context.js';
import { newSection, type Section } from './report.js';

export async function coldStart(_ctx: BenchContext): Promise<Section> {
  return newSection('coldStart');
}
