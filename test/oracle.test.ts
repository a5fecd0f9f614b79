/**
 * The oracle proves or refutes each strategy's correctness (issue 4): the posted patches'
 * defects are found, deliberately broken strategies are caught, and the correct strategies
 * pass over random scenarios.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Yield } from '../src/engine/simulator.js';
import { PAGE_SUCCESS, type ShrinkContext } from '../src/reclaim/shrink_context.js';
import type { ReclaimStrategy } from '../src/reclaim/strategy.js';
import { run_scenario } from '../src/run/run_scenario.js';
import { parse_scenario } from '../src/scenario/load.js';
import { run_swarm, type SwarmCoverage } from '../src/run/swarm_run.js';
import { run_builtin } from './helpers.js';

const P = 4096;

function codes(result: { oracle: { violations: { code: string; count: number }[] } }): Record<string, number> {
  return Object.fromEntries(result.oracle.violations.map((v) => [v.code, v.count]));
}

/** Test-only: writes each dirty folio without the flush before I/O (A17.5 skipped). */
const io_before_flush: ReclaimStrategy = {
  name: 'io-before-flush',
  description: 'broken on purpose',
  *dirty_folio(ctx, pfn) {
    yield* ctx.pageout_one(pfn);
  },
  *after_main_loop() {},
};

/** Test-only: frees a synchronously written folio at once, bypassing the free batch and its flush. */
const free_before_flush: ReclaimStrategy = {
  name: 'free-before-flush',
  description: 'broken on purpose',
  *dirty_folio(ctx: ShrinkContext, pfn: number): Generator<Yield, void, void> {
    yield* ctx.try_to_unmap_flush_dirty();
    const result = yield* ctx.pageout(pfn);
    const f = ctx.folios;
    if (result === PAGE_SUCCESS && f.trylock(pfn) && ctx.remove_mapping_frozen(pfn)) {
      f.unlock(pfn);
      ctx.nr_reclaimed += 1;
      f.free(pfn);
      return;
    }
    ctx.keep(pfn);
  },
  *after_main_loop() {},
};

describe('oracle findings on the posted patches', () => {
  it('finds seed-v1 leaking every folio it frees in the same pass (zram), with the first occurrence and how to reproduce it', () => {
    const r = run_builtin('dirty-16m', ['swap.device=zram'], { strategy: 'seed-v1' });
    expect(r.oracle.verdict).toBe('violations');
    expect(codes(r)).toMatchObject({ LEAKED_FOLIO: P, NR_RECLAIMED_MISMATCH: P / 512, FREE_PAGES_MISMATCH: 1 });
    const leak = r.oracle.violations.find((v) => v.code === 'LEAKED_FOLIO');
    expect(leak?.rule).toMatch(/^A21\/A22/);
    expect(leak?.first.detail).toMatch(/refcount 0/);
    expect(leak?.first.seed).toBe(1);
    expect(leak?.first.reproduce).toBe('reclaimsim run dirty-16m --strategy seed-v1 --seed 1');
    expect(r.vmstat.sim_nr_reclaimed).toBe(P);
    expect(r.vmstat.pgfree).toBe(0);
  });

  it('finds seed-v2 leaking them at refcount 1, isolated forever', () => {
    const r = run_builtin('dirty-16m', ['swap.device=zram'], { strategy: 'seed-v2' });
    expect(codes(r)).toMatchObject({ LEAKED_FOLIO: P, LEFT_ISOLATED: 1 });
    expect(r.oracle.violations.find((v) => v.code === 'LEAKED_FOLIO')?.first.detail).toMatch(/refcount 1/);
  });

  it('finds no leak in seed-v1 with async block swap, where folios are freed later by the normal path', () => {
    expect(run_builtin('dirty-16m', [], { strategy: 'seed-v1' }).oracle.violations).toEqual([]);
  });

  it('catches a strategy that submits I/O before the flush', () => {
    const r = run_builtin('dirty-16m', [], { strategy: io_before_flush });
    expect(codes(r).FLUSH_BEFORE_IO).toBeGreaterThan(0);
    expect(r.oracle.violations[0]?.first.detail).toMatch(/CPU\(s\) .*1/);
  });

  it('catches a strategy that frees before the flush', () => {
    // Clean re-pageout on zram: the PTEs are clean, so try_to_unmap_flush_dirty flushes
    // nothing, and only the free batch's flush would have protected the freed pages.
    const r = run_builtin('clean-16m', ['swap.device=zram'], { strategy: free_before_flush });
    expect(codes(r).USE_AFTER_FREE).toBeGreaterThan(0);
    expect(codes(r).FLUSH_BEFORE_IO).toBeUndefined();
  });

  it('loses the writes of an application writing through stale translations when I/O precedes the flush', () => {
    // One PMD, written to every microsecond: the application keeps writing through the
    // translations cached before the unmap, which no flush removes before the I/O.
    const r = run_builtin('dirty-16m', ['pageout.size=2MiB', 'workload.pageout_access=write', 'workload.pageout_access_interval=1us'], {
      strategy: io_before_flush,
    });
    expect(codes(r).LOST_WRITE).toBeGreaterThan(0);
    expect(codes(r).FLUSH_BEFORE_IO).toBeGreaterThan(0);
    expect(r.oracle.violations.find((v) => v.code === 'LOST_WRITE')?.first.detail).toMatch(/reads back version \d+, last written \d+/);
  });

  it('keeps every write of an application writing to the region under upstream and batched', () => {
    for (const strategy of ['upstream', 'batched', 'zhang-v4']) {
      for (const device of ['nvme', 'zram']) {
        const r = run_builtin('dirty-16m', ['workload.pageout_access=write', 'workload.pageout_access_interval=5us', `swap.device=${device}`], { strategy });
        expect(r.oracle.violations, `${strategy} on ${device}`).toEqual([]);
      }
    }
  });

  it('finds nothing when no other CPU can hold a translation (single-threaded)', () => {
    expect(run_builtin('single-thread-16m', ['swap.device=zram'], { strategy: io_before_flush }).oracle.violations).toEqual([]);
  });

  it('can be switched off, and the model runs the same', () => {
    const on = run_builtin('dirty-16m', [], { strategy: 'seed-v1' });
    const off = run_builtin('dirty-16m', [], { strategy: 'seed-v1', oracle: false });
    expect(off.oracle).toEqual({ enabled: false, verdict: 'not checked', violations: [] });
    expect(off.vmstat).toEqual(on.vmstat);
    expect(off.interrupts).toEqual(on.interrupts);
  });
});

/** A swarm of small scenarios (TigerBeetle style): every knob drawn from one generator. */
const swarm = fc
  .record({
    cpus: fc.integer({ min: 1, max: 12 }),
    threads_fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    device: fc.constantFrom('nvme', 'ssd', 'zram'),
    pages: fc.integer({ min: 1, max: 1536 }),
    chunk: fc.constantFrom('whole', '4KiB', '64KiB', '2MiB', '3MiB'),
    mode: fc.constantFrom('dirty', 'clean'),
    process: fc.constantFrom('same', 'separate'),
    lazy: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
    region_access: fc.constantFrom('none', 'read', 'write'),
    access_interval_us: fc.integer({ min: 1, max: 50 }),
  })
  .map((r) => {
    const threads = Math.floor(r.threads_fraction * (r.cpus - 1));
    const lazy = r.lazy && threads + 1 < r.cpus ? `[${threads + 1}]` : '[]';
    return `seed: ${r.seed}
machine: { cpus: ${r.cpus}, memory: 32MiB }
swap: { device: ${r.device} }
workload: { threads: ${threads}, process: ${r.process}, lazy_cpus: ${lazy}, baseline: 10us,
  pageout_access: ${r.process === 'same' ? r.region_access : 'none'}, pageout_access_interval: ${r.access_interval_us}us }
pageout: { size: ${r.pages * 4}KiB, chunk: ${r.chunk}, mode: ${r.mode} }
`;
  });

describe('correct strategies over a swarm of random scenarios', () => {
  for (const strategy of ['upstream', 'zhang-v4', 'batched']) {
    it(`finds no violation for ${strategy}`, () => {
      fc.assert(
        fc.property(swarm, (yaml) => {
          const r = run_scenario(parse_scenario(yaml, 'swarm.yaml'), { strategy });
          expect(r.oracle.violations).toEqual([]);
        }),
        { numRuns: 120, seed: 4 },
      );
    });
  }
});

describe('swarm: 1,000 random scenarios each (issue 4)', () => {
  for (const strategy of ['upstream', 'batched']) {
    it(`finds no violation for ${strategy} over seeds 1..1000, having exercised every rule (issue 15)`, () => {
      const summary = run_swarm([strategy], 1000, 1);
      expect(summary.findings.map((f) => `seed ${f.seed}: ${f.code} ${f.detail}`)).toEqual([]);
      // A degenerate generator or a switched-off oracle would pass the line above: these
      // minimums (about half of what seeds 1..1000 exercise) show that the swarm looked.
      const runs_with = (summary.coverage[strategy] as SwarmCoverage).runs_with;
      expect(runs_with.deferred_unmaps).toBeGreaterThan(300);
      expect(runs_with.batched_pending_flushes).toBeGreaterThan(200);
      expect(runs_with.stale_translations_checked).toBeGreaterThan(300);
      expect(runs_with.freed_same_pass).toBeGreaterThan(300);
      expect(runs_with.swapins).toBeGreaterThan(200);
      expect(runs_with.swapins_in_flight).toBeGreaterThan(80);
      expect(runs_with.racing_ops).toBeGreaterThan(100);
      expect(runs_with.writes_after_read_fill).toBeGreaterThan(15);
      // Issue 15's second part: mremap moves, forks sharing pages, copy-on-write copies.
      expect(runs_with.ptes_moved).toBeGreaterThan(20);
      expect(runs_with.ptes_shared_by_fork).toBeGreaterThan(30);
      expect(runs_with.cow_copies).toBeGreaterThan(10);
      // Issue 12: the flusher (folio_mkclean before its writes) and dirty throttling.
      expect(runs_with.flusher_writes).toBeGreaterThan(2);
      expect(runs_with.mkclean_ptes).toBeGreaterThan(1);
      expect(runs_with.dirty_throttles).toBeGreaterThan(2);
      // Issue 13: the multi-gen LRU's evictions in kswapd, direct and memcg limit reclaim.
      expect(runs_with.lru_gen_kswapd_folios).toBeGreaterThan(10);
      expect(runs_with.lru_gen_direct_folios).toBeGreaterThan(25);
      expect(runs_with.lru_gen_memcg_folios).toBeGreaterThan(25);
      if (strategy === 'batched') {
        // Upstream flushes each dirty folio before an application thread can use its stale entry.
        // (Fewer since forks joined the swarm: MADV_PAGEOUT leaves the folios a child shares alone.)
        expect(runs_with.stale_accesses).toBeGreaterThan(15);
        expect(runs_with.lost_write_opportunities).toBeGreaterThan(10);
      }
    });
  }
});

describe('folio lock hold times (a cost finding)', () => {
  it('shows the seed patch keeping every folio of a PMD locked across its batch, and batched not', () => {
    const hold = (strategy: string) => run_builtin('dirty-16m', [], { strategy }).oracle.lock_hold_ns;
    const upstream = hold('upstream');
    const seed = hold('seed-v1');
    const ours = hold('batched');
    expect(upstream?.count).toBe(P);
    // seed-v1: locked from the unlock-free main loop to its own pageout after it, ~512 folios later.
    expect(seed?.p99_ns).toBeGreaterThan(100 * (upstream?.p99_ns as number));
    expect(ours?.p99_ns).toBeLessThanOrEqual(upstream?.p99_ns as number);
  });
});

describe('zero-filled pages (the zeromap, 6.12)', () => {
  it('are swapped out without I/O and freed in the same pass even on a block device — where seed-v1 leaks them', () => {
    const up = run_builtin('dirty-16m', ['pageout.zero_pages=25'], { strategy: 'upstream' });
    expect([up.vmstat.swpout_zero, up.vmstat.pswpout, up.vmstat.pgfree]).toEqual([P / 4, (3 * P) / 4, P / 4]);
    expect(up.interrupts.TLB).toEqual([0, P + 7]);
    expect(up.oracle.violations).toEqual([]);
    const seed = run_builtin('dirty-16m', ['pageout.zero_pages=25'], { strategy: 'seed-v1' });
    expect(codes(seed)).toMatchObject({ LEAKED_FOLIO: P / 4 });
    expect(seed.vmstat.pgfree).toBe(0);
    expect(run_builtin('dirty-16m', ['pageout.zero_pages=25'], { strategy: 'batched' }).oracle.violations).toEqual([]);
  });

  it('come back as zeros without I/O: swpin_zero, no pswpin, a major fault each', () => {
    const read_back = run_builtin('clean-16m', ['pageout.zero_pages=50']).phases.find((p) => p.name === 'read-back');
    expect([read_back?.vmstat.swpin_zero, read_back?.vmstat.pswpin, read_back?.vmstat.pgmajfault]).toEqual([P / 2, 0, P / 2]);
  });
});

describe('zswap (store, load, and the writeback switch)', () => {
  const zswap = ['swap.zswap.enabled=true', 'swap.zswap.writeback=false', 'swap.zswap.incompressible=50'];

  it('stores what it can compress without I/O (freed in the same pass) and, with writeback off, keeps the rest active', () => {
    const r = run_builtin('dirty-16m', zswap, { strategy: 'upstream' });
    expect([r.vmstat.zswpout, r.vmstat.pswpout, r.vmstat.pgfree, r.vmstat.pgactivate]).toEqual([P / 2, 0, P / 2, P / 2]);
    expect(r.oracle.violations).toEqual([]);
  });

  it('finds seed-v1 and seed-v2 skipping the activation (PAGE_ACTIVATE handled as PAGE_KEEP) and leaking the stored folios', () => {
    for (const strategy of ['seed-v1', 'seed-v2']) {
      const r = run_builtin('dirty-16m', zswap, { strategy });
      expect(codes(r), strategy).toMatchObject({ ACTIVATION_SKIPPED: P / 2, LEAKED_FOLIO: P / 2 });
      expect(r.vmstat.pgactivate).toBe(0);
      expect(r.oracle.violations.find((v) => v.code === 'ACTIVATION_SKIPPED')?.rule).toMatch(/^A18\/A27/);
    }
  });

  it('with writeback on, writes what it cannot store to the device, and loads stored pages back without I/O', () => {
    const r = run_builtin('clean-16m', ['swap.zswap.enabled=true', 'swap.zswap.incompressible=25']);
    const first = r.phases.find((p) => p.name === 'first-pageout');
    const read_back = r.phases.find((p) => p.name === 'read-back');
    expect([first?.vmstat.zswpout, first?.vmstat.pswpout]).toEqual([(3 * P) / 4, P / 4]);
    expect([read_back?.vmstat.zswpin, read_back?.vmstat.pswpin]).toEqual([(3 * P) / 4, 0]);
    expect(r.oracle.violations).toEqual([]);
  });
});
