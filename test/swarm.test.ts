/**
 * The swarm command (issue 15): user strategy modules, a model failure recorded as a finding
 * with its reproducer while the swarm goes on, every finding with its scenario and command,
 * and a count of the findings it did not print; what it draws of the multi-gen LRU (issue 13).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReclaimStrategy } from '../src/reclaim/strategy.js';
import { MODEL_FAILURE, run_swarm, type SwarmSummary } from '../src/run/swarm_run.js';
import { describe_swarm_scenario, swarm_scenario } from '../src/oracle/swarm.js';
import { free_under_writeback } from './helpers.js';

const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');


const FREE_UNDER_WRITEBACK_MODULE = `export default {
  name: 'free-under-writeback',
  description: 'broken on purpose',
  *dirty_folio(ctx, pfn) {
    yield* ctx.try_to_unmap_flush_dirty();
    const result = yield* ctx.pageout(pfn);
    const f = ctx.folios;
    if (result !== 2 || !f.trylock(pfn)) return ctx.keep(pfn);
    if (!ctx.remove_mapping_frozen(pfn)) return ctx.keep_locked(pfn);
    f.unlock(pfn);
    yield* ctx.free_it(pfn);
  },
  *after_main_loop() {},
};
`;

describe('swarm', () => {
  it('draws the multi-gen LRU and node pressure (issue 13): seeds 1..1000 hold 244 stress scenarios, 122 of them MGLRU and 119 without a cgroup (61 both), and 174 MGLRU MADV_PAGEOUT ones', () => {
    const c = { stress: 0, stress_mglru: 0, node_pressure: 0, both: 0, madvise_mglru: 0 };
    for (let seed = 1; seed <= 1000; seed++) {
      const s = swarm_scenario(seed);
      const mglru = s.reclaim?.lru === 'mglru';
      if (s.workload.kind !== 'stress') {
        if (mglru) c.madvise_mglru++;
        continue;
      }
      c.stress++;
      if (mglru) c.stress_mglru++;
      if (s.memcg === undefined) c.node_pressure++;
      if (mglru && s.memcg === undefined) c.both++;
      if (s.memcg === undefined) expect(s.machine.memory, `seed ${seed}`).toBeLessThanOrEqual(s.stress!.workers * s.stress!.bytes);
    }
    expect(c).toEqual({ stress: 244, stress_mglru: 122, node_pressure: 119, both: 61, madvise_mglru: 174 });
    expect(describe_swarm_scenario(swarm_scenario(Array.from({ length: 1000 }, (_, i) => i + 1).find((seed) => swarm_scenario(seed).reclaim?.lru === 'mglru') as number))).toMatch(/, MGLRU$/);
  });

  it('records a model failure as a finding with its reproducer and the oracle findings before it, and goes on', () => {
    const summary = run_swarm([free_under_writeback, 'upstream'], 12, 1, () => {}, { strategy_args: ['./broken.mjs', 'upstream'] });
    expect(summary.coverage['free-under-writeback']?.runs).toBe(12);
    const failures = summary.findings.filter((f) => f.code === MODEL_FAILURE);
    expect(failures.length).toBeGreaterThan(1);
    const first = failures[0] as SwarmSummary['findings'][number];
    expect(first.detail).toMatch(/write completion for slot \d+ without its folio/);
    expect(first.reproduce).toBe(`reclaimsim swarm --first-seed ${first.seed} --runs 1 --strategies ./broken.mjs`);
    expect(first.scenario.name).toBe(`swarm-${first.seed}`);
    expect(first.scenario_summary).toMatch(/^(madvise|stress): \d+ CPUs, (nvme|ssd)/);
    // The oracle saw the cause first, in the same scenario.
    expect(summary.findings.some((f) => f.seed === first.seed && f.code === 'BAD_FLAGS_AT_FREE' && /PG_writeback/.test(f.detail))).toBe(true);
    expect(summary.by_strategy.upstream).toEqual({});
  });

  it('records a strategy that throws as a model failure too, and goes on', () => {
    const throws: ReclaimStrategy = {
      name: 'throws',
      description: 'broken on purpose',
      *dirty_folio() {
        throw new Error('no idea what to do with a dirty folio');
      },
      *after_main_loop() {},
    };
    const summary = run_swarm([throws], 6, 1);
    expect(summary.coverage.throws?.runs).toBe(6);
    expect(summary.findings.filter((f) => f.code === MODEL_FAILURE).map((f) => f.detail)).toContain('Error: no idea what to do with a dirty folio');
  });

  it('takes a user strategy module, prints each finding with its scenario and reproducer, and counts those it did not print', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-'));
    const module = join(dir, 'broken.mjs');
    writeFileSync(module, FREE_UNDER_WRITEBACK_MODULE);
    const json = join(dir, 'swarm.json');
    const r = spawnSync(process.execPath, [CLI, 'swarm', '--runs', '40', '--strategies', `upstream,${module}`, '--json', json], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as SwarmSummary;
    expect(summary.strategies).toEqual(['upstream', 'free-under-writeback']);
    expect(summary.findings.length).toBeGreaterThan(20);
    expect(r.stdout).toMatch(/free-under-writeback MODEL_FAILURE x1: write completion/);
    expect(r.stdout).toMatch(/\n {4}scenario: (madvise|stress): \d+ CPUs/);
    expect(r.stdout).toContain(`    reproduce: reclaimsim swarm --first-seed ${summary.findings[0]?.seed} --runs 1 --strategies ${module}\n`);
    expect(r.stdout).toContain(`  ... and ${summary.findings.length - 20} more finding(s) not printed (--json FILE lists every one)\n`);
    expect(r.stdout).toMatch(/\n {2}deferred_unmaps +\d+ in \d+ +\d+ in \d+\n/);
    // The printed reproducer reruns that one scenario and finds the failure again.
    const seed = String(summary.findings.find((f) => f.code === MODEL_FAILURE)?.seed);
    const again = spawnSync(process.execPath, [CLI, 'swarm', '--first-seed', seed, '--runs', '1', '--strategies', module], { encoding: 'utf8' });
    expect(again.stdout).toMatch(new RegExp(`seed ${seed} free-under-writeback MODEL_FAILURE`));
  });
});
