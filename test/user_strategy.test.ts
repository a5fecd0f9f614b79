import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load_strategy_module } from '../src/run/strategy_module.js';
import { run_builtin } from './helpers.js';

/** The README's example strategy, taken from the README itself so that the two cannot drift. */
function readme_example(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const match = /```js\n\/\/ my-strategy\.mjs\n([\s\S]*?)```/.exec(readme);
  if (match === null) throw new Error('README example strategy not found');
  return match[1] as string;
}

describe('user strategies', () => {
  it('loads the README example and runs it: one flush per 64 dirty folios, correct by the oracle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-strategy-'));
    // As in a plain `npm init -y` project, whose package.json says "type": "commonjs".
    writeFileSync(join(dir, 'package.json'), '{ "name": "mine", "version": "1.0.0", "type": "commonjs" }\n');
    const file = join(dir, 'my-strategy.mjs');
    writeFileSync(file, readme_example());
    const strategy = await load_strategy_module(file);
    expect(strategy.name).toBe('batch-64');
    const r = run_builtin('dirty-16m', ['swap.device=zram'], { strategy });
    // 8 PMDs x 512/64 batches + 7 flush_tlb_mm
    expect(r.interrupts.TLB?.[1]).toBe(8 * 8 + 7);
    expect(r.oracle.violations).toEqual([]);
    expect(r.strategy).toBe('batch-64');
    // On 64 KiB mTHP: 32 folios per PMD, all in one batch of 64 folios, so one flush per PMD.
    const large = run_builtin('dirty-16m', ['swap.device=zram', 'memory.mthp.64KiB=always'], { strategy });
    expect(large.interrupts.TLB?.[1]).toBe(8 + 7);
    expect(large.oracle.violations).toEqual([]);
  });

  it('loads a TypeScript strategy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-strategy-'));
    const file = join(dir, 'mine.ts');
    writeFileSync(file, `import type { ReclaimStrategy } from '${new URL('../src/index.js', import.meta.url).pathname}';
const s: ReclaimStrategy = { name: 'ts-upstream', description: 'upstream, in TypeScript',
  *dirty_folio(ctx, pfn) { yield* ctx.try_to_unmap_flush_dirty(); yield* ctx.pageout_one(pfn); },
  *after_main_loop() {} };
export default s;
`);
    const strategy = await load_strategy_module(file);
    expect(run_builtin('dirty-16m', [], { strategy }).interrupts.TLB?.[1]).toBe(4103);
  });

  it('says how to load an ES module strategy named .js in a CommonJS package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-strategy-'));
    writeFileSync(join(dir, 'package.json'), '{ "name": "mine", "version": "1.0.0", "type": "commonjs" }\n');
    const file = join(dir, 'my-strategy.js');
    writeFileSync(file, readme_example());
    // Through the built CLI: Node's own loader (vitest's would transform the module anyway).
    const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [cli, 'run', 'dirty-16m', '--strategy', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/name it \.mjs, or set "type": "module"/);
    writeFileSync(join(dir, 'my-strategy.mjs'), readme_example());
    expect(spawnSync(process.execPath, [cli, 'run', 'dirty-16m', '--strategy', join(dir, 'my-strategy.mjs')], { encoding: 'utf8' }).status).toBe(0);
  });

  it('says what is missing from a module that is not a strategy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-strategy-'));
    const file = join(dir, 'bad.js');
    writeFileSync(file, 'export default { name: "x", dirty_folio() {} };\n');
    await expect(load_strategy_module(file)).rejects.toThrow(/needs description: a string; dirty_folio: a generator function.*after_main_loop/);
  });
});
