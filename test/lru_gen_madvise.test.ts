/**
 * MADV_PAGEOUT under both LRU policies (issue 13's done-when; docs/design/mglru.md §1.7, W6):
 * reclaim_pages calls shrink_folio_list with ignore_references, so neither the A6 keep nor
 * look-around runs, and isolation and put-back only change where folios sit on the LRU: every
 * count is the same under the multi-gen LRU as under the classic one. The test runs the
 * MADV_PAGEOUT experiment through simulate_madvise, whose inspect hook shows which LRU the node
 * was built with.
 */
import { describe, expect, it } from 'vitest';
import { simulate_madvise } from '../src/run/madvise_run.js';
import { resolve_strategy } from '../src/run/run_scenario.js';
import { load_scenario } from '../src/scenario/load.js';

const CASES: [string, string[]][] = [
  ['madv-pageout', ['pageout.size=64MiB', 'machine.memory=1GiB', 'swap.size=1GiB', 'workload.region=64MiB']],
  ['shootdown-64', ['pageout.size=16MiB']],
  ['dirty-16m', []],
  ['clean-16m', []],
  ['dirty-16m-chunked', []],
  ['single-thread-16m', []],
];

describe('MADV_PAGEOUT counts are identical under classic and mglru', () => {
  for (const [name, sets] of CASES) {
    for (const strategy of ['upstream', 'batched']) {
      it(`${name} (${strategy})`, () => {
        const runs = (['classic', 'mglru'] as const).map((lru) => {
          const scenario = load_scenario(name, [...sets, `reclaim.lru=${lru}`]);
          let generations = false;
          const r = simulate_madvise(scenario, resolve_strategy(strategy), scenario.seed, 0n, {
            inspect: (k) => {
              generations = k.pgdat.lruvec.lrugen !== null;
            },
          }, 'test', { oracle: null });
          expect(generations).toBe(lru === 'mglru');
          expect(r.oracle.verdict).toBe('correct');
          return { vmstat: r.vmstat, interrupts: r.interrupts, sim_time_ns: r.sim_time_ns };
        });
        expect(runs[1]).toEqual(runs[0]);
        // Something was paged out (or, clean, freed).
        expect((runs[0]?.vmstat.pswpout ?? 0) + (runs[0]?.vmstat.pgfree ?? 0)).toBeGreaterThan(0);
      });
    }
  }
});
