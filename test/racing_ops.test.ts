/**
 * Operations racing reclaim on its region (issue 15): munmap, MADV_DONTNEED and mprotect by
 * a thread of the process, and accessors mixing reads and writes. The correct model stays
 * clean; a model without the flush in flush_tlb_batched_pending (kernel-spec B12) is caught.
 */
import { describe, expect, it } from 'vitest';
import { swarm_scenario } from '../src/oracle/swarm.js';
import { run_scenario } from '../src/run/run_scenario.js';
import { parse_scenario, ScenarioError } from '../src/scenario/load.js';
import { run_builtin } from './helpers.js';

function issues_of(text: string): string[] {
  try {
    parse_scenario(text, 'race.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error.message.split('\n');
    throw error;
  }
  return [];
}

/** A racing thread every 10 us over `pages` pages, beside a thread reading and writing the region every 2 us. */
function race(ops: string, pages: number): string[] {
  return [`workload.race_ops=${ops}`, 'workload.race_interval=10us', `workload.race_pages=${pages}`, 'workload.pageout_access=mixed', 'workload.pageout_access_interval=2us'];
}

function codes(result: { oracle: { violations: { code: string; count: number }[] } }): Record<string, number> {
  return Object.fromEntries(result.oracle.violations.map((v) => [v.code, v.count]));
}

describe('racing operations: scenario fields', () => {
  it('are validated with the field and the allowed values', () => {
    expect(issues_of('workload: { race_ops: [fork] }\n')).toContainEqual(expect.stringMatching(/^race\.yaml:1:24 workload\.race_ops\.0: .*"munmap"\|"dontneed"\|"mprotect".*\(got fork\)$/));
    expect(issues_of('workload: { process: separate, race_ops: [munmap] }\n')).toContainEqual(expect.stringMatching(/workload\.race_ops: needs workload\.process: same/));
    expect(issues_of('workload: { threads: 0, race_ops: [munmap] }\n')).toContainEqual(expect.stringMatching(/workload\.race_ops: needs workload\.threads >= 1/));
    expect(issues_of('pageout: { size: 8KiB }\nworkload: { race_ops: [munmap], race_pages: 4 }\n')).toContainEqual(expect.stringMatching(/workload\.race_pages: at most the region's 2 pages/));
    expect(issues_of('workload: { race_pages: 513 }\n')).toContainEqual(expect.stringMatching(/workload\.race_pages: .*<=512/));
    expect(issues_of('workload: { race_ops: [munmap], race_interval: 0 }\n')).toContainEqual(expect.stringMatching(/workload\.race_interval: must be positive/));
  });
});

describe('racing operations against reclaim', () => {
  it('run beside every correct strategy without a finding, consuming reclaim\'s deferred flushes (B12)', () => {
    for (const strategy of ['upstream', 'batched', 'zhang-v4']) {
      for (const scenario of ['dirty-16m', 'clean-16m']) {
        const r = run_builtin(scenario, race('[munmap,dontneed,mprotect,mremap]', 4), { strategy, coverage: true });
        expect(r.oracle.violations, `${strategy} ${scenario}`).toEqual([]);
        expect(r.oracle.coverage?.racing_ops).toBeGreaterThan(300);
        expect(r.oracle.coverage?.batched_pending_flushes).toBeGreaterThan(100);
        expect(r.oracle.coverage?.writes_after_read_fill).toBeGreaterThan(0);
      }
    }
  });

  it('zap the pages: the region reads back zeros where they were discarded, and the pages are freed', () => {
    const r = run_builtin('dirty-16m', race('[dontneed]', 64), { coverage: true });
    expect(r.oracle.violations).toEqual([]);
    // Fewer pages left to write than the region's 4096: the zapped ones are gone (or faulted back as zero pages).
    expect(r.vmstat.pswpout).toBeLessThan(4096);
    expect(r.vmstat.swpout_zero).toBeGreaterThan(0);
  });

  it('catch a model without the flush in flush_tlb_batched_pending, in mprotect, MADV_DONTNEED and munmap', () => {
    const mutants = ['no_flush_tlb_batched_pending'] as const;
    // upstream's mprotect flushes its own range whenever a PTE in it is still present, which
    // removes the stale entries too: only a range reclaim emptied first shows the race, so that
    // case races 2 pages every 5 us (with IPIs as events, the 4 pages every 10 us it raced
    // before no longer meet such a range on this seed).
    const cases: [string, string, string, number, string][] = [
      ['batched', 'dirty-16m', '[mprotect]', 4, '10us'],
      ['batched', 'clean-16m', '[dontneed]', 1, '10us'],
      ['batched', 'clean-16m', '[munmap]', 1, '10us'],
      ['upstream', 'clean-16m', '[mprotect]', 2, '5us'],
      ['batched', 'dirty-16m', '[mremap]', 4, '10us'],
      ['batched', 'clean-16m', '[mremap]', 4, '10us'],
    ];
    for (const [strategy, scenario, ops, pages, interval] of cases) {
      const sets = [...race(ops, pages), `workload.race_interval=${interval}`];
      expect(run_builtin(scenario, sets, { strategy }).oracle.violations, `${strategy} ${scenario} ${ops}`).toEqual([]);
      const broken = run_builtin(scenario, sets, { strategy, mutants: [...mutants] });
      expect(Object.keys(codes(broken)), `${strategy} ${scenario} ${ops}`).toEqual(['STALE_TLB_AFTER_UNMAP']);
      expect(broken.oracle.violations[0]?.first.detail).toMatch(/^(munmap|madvise\(MADV_DONTNEED\)|mprotect\(PROT_READ(\|PROT_WRITE)?\)|mremap( back)?) of vpn \d+\.\.\d+ returned while CPU\(s\) [\d,]+ may still translate vpn \d+, unmapped by reclaim before it began$/);
    }
  });

  it('are drawn by the swarm, which then catches the missing flush too', () => {
    // Seeds 125 and 177 race reclaim; both strategies are clean there, and caught without B12.
    for (const seed of [125, 177]) {
      const scenario = swarm_scenario(seed);
      expect(scenario.workload.race_ops?.length).toBeGreaterThan(0);
      for (const strategy of ['upstream', 'batched']) {
        expect(run_scenario(scenario, { strategy }).oracle.violations).toEqual([]);
        expect(codes(run_scenario(scenario, { strategy, mutants: ['no_flush_tlb_batched_pending'] })).STALE_TLB_AFTER_UNMAP).toBeGreaterThan(0);
      }
    }
  });
});

describe('a racing mremap', () => {
  it('moves the pages and their data away and back: the rmap finds them at the new address, the region reads back what was written', () => {
    for (const strategy of ['upstream', 'batched']) {
      const r = run_builtin('dirty-16m', race('[mremap]', 16), { strategy, coverage: true });
      expect(r.oracle.violations, strategy).toEqual([]);
      expect(r.oracle.coverage?.racing_ops).toBeGreaterThan(100);
      // Every page still goes out once: a moved page is paged out where it is, or after it is back.
      expect(r.vmstat.pswpout, strategy).toBeGreaterThan(3500);
    }
  });

  it('moving back over a page a racing fault mapped at the old range unmaps it first (swarm seeds 90885, 3706, 57916 leaked its slot reference)', () => {
    for (const [seed, strategy] of [[90885, 'upstream'], [3706, 'upstream'], [57916, 'batched']] as const) {
      const scenario = swarm_scenario(seed);
      expect(scenario.workload.race_ops).toContain('mremap');
      expect(run_scenario(scenario, { strategy }).oracle.violations, `${seed}`).toEqual([]);
    }
  });

  it('without the flush of the moved range, leaves the old translations: caught when the call returns', () => {
    const r = run_builtin('dirty-16m', race('[mremap]', 16), { strategy: 'upstream', mutants: ['mremap_skips_flush'] });
    expect(Object.keys(codes(r))).toContain('STALE_TLB_AFTER_UNMAP');
    expect(r.oracle.violations.find((v) => v.code === 'STALE_TLB_AFTER_UNMAP')?.first.detail).toMatch(/^mremap( back)? of vpn \d+\.\.\d+ returned while CPU\(s\) [\d,]+ may still translate vpn \d+, its PTE moved by it$/);
  });
});

describe('accessors mixing reads and writes', () => {
  it('find a stale read that batched widens: a clean folio leaves the swap cache before its flush, another CPU faults a new copy in and writes it', () => {
    const sets = ['machine.cpus=4', 'workload.threads=3', 'workload.pageout_access=mixed', 'workload.pageout_access_interval=1us', 'pageout.size=2MiB'];
    const up = run_builtin('clean-16m', sets, { strategy: 'upstream', coverage: true });
    expect(up.oracle.violations).toEqual([]);
    expect(up.oracle.coverage?.writes_after_read_fill).toBeGreaterThan(0);
    const batched = run_builtin('clean-16m', sets, { strategy: 'batched' });
    expect(codes(batched)).toEqual({ STALE_READ: 1 });
    expect(batched.oracle.violations[0]?.first.detail).toMatch(/^CPU \d read version \d+ of vpn \d+ through a translation reclaim cleared without flushing yet, while version \d+ was written to the copy faulted in since$/);
  });
});
