/**
 * Exact counts of a dirty 16 MiB MADV_PAGEOUT on large folios (issue 18), derived here from
 * Linux 6.12's source (mm/madvise.c, mm/vmscan.c, mm/rmap.c, mm/huge_memory.c,
 * mm/swapfile.c, mm/page_io.c). P = 4096 pages, N = 8 PMDs; H = 8 PMD-mapped THPs, or
 * M = 256 folios of 64 KiB (16 pages, PTE-mapped).
 *
 * PMD THP, whole range. madvise_cold_or_pageout_pte_range finds pmd_trans_huge over the whole
 * 2 MiB: it isolates the folio and reclaims it, without flush_tlb_batched_pending (that call
 * is on the PTE path only), so there are no B12 flushes. shrink_folio_list: add_to_swap
 * gets a 512-slot cluster run (non-rotational device); the folio is PMD-mapped, so
 * try_to_unmap(TTU_SPLIT_HUGE_PMD) splits the PMD first — pmdp_invalidate flushes the 2 MiB
 * range at once, one IPI round (thp_split_pmd) — then clears the 512 PTEs with deferred
 * flushes; the folio is dirty, so try_to_unmap_flush_dirty is a second round; pageout writes
 * it as one bio (thp_swpout, hugepages-2048kB/stats/swpout). Per spinning CPU: 2H TLB.
 *
 * 64 KiB mTHP, whole range. The PTE path: one flush_tlb_batched_pending per callback after
 * the first (N - 1), madvise_folio_pte_batch sees each folio whole (16 PTEs), isolates it;
 * each dirty folio costs one try_to_unmap_flush_dirty: M + N - 1, as order 0 gives P + N - 1.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PTRS_PER_PTE, run_builtin } from './helpers.js';
import type { RunResult } from '../src/run/result.js';
import { parse_scenario, ScenarioError } from '../src/scenario/load.js';

const P = (16 * 1024 * 1024) / PAGE_SIZE;
const N = P / PTRS_PER_PTE;
const H = N;
const MTHP_PAGES = 16;
const M = P / MTHP_PAGES;
const THP = ['memory.thp=always'];
const MTHP = ['memory.mthp.64KiB=always'];

function thp_vmstat(r: RunResult): Record<string, number> {
  return r.thp?.vmstat ?? {};
}

function mthp(r: RunResult, size: string): Record<string, number> {
  return r.thp?.mthp[`hugepages-${size}`] ?? {};
}

function spinning(rows: number, value: number): number[] {
  return [0, ...new Array<number>(rows).fill(value)];
}

describe('PMD-mapped THP, whole range', () => {
  for (const threads of [1, 3]) {
    for (const device of ['nvme', 'zram']) {
      it(`splits each PMD then flushes once per THP: 2H TLB per spinning CPU (${threads} thread(s), ${device})`, () => {
        const r = run_builtin('dirty-16m', [...THP, `machine.cpus=${threads + 1}`, `workload.threads=${threads}`, `swap.device=${device}`]);
        expect(r.interrupts.TLB).toEqual(spinning(threads, 2 * H));
        expect(r.vmstat.nr_tlb_remote_flush).toBe(2 * H);
        expect(r.vmstat.sim_batched_pending_flush).toBe(0);
        expect(r.vmstat.pswpout).toBe(P);
        // zram completes inside submission: every THP is freed in the pass (F8 otherwise).
        expect(r.vmstat.pgfree).toBe(device === 'zram' ? P : 0);
        expect(thp_vmstat(r)).toEqual({
          thp_fault_alloc: H,
          thp_fault_fallback: 0,
          thp_split_pmd: H,
          thp_swpout: H,
          thp_split_page: 0,
          thp_swpout_fallback: 0,
          thp_deferred_split_page: 0,
        });
        expect(mthp(r, '2048kB')).toEqual({ anon_fault_alloc: H, anon_fault_fallback: 0, swpout: H, swpout_fallback: 0, split: 0 });
        expect(r.oracle.violations).toEqual([]);
      });
    }
  }

  it('writes each THP as one bio, split to the NVMe limit: 4 requests of 127 pages and one of 4', () => {
    const r = run_builtin('dirty-16m', THP);
    expect(r.io.bios).toBe(H);
    expect(r.io.requests).toBe(5 * H);
    expect(r.io.pages_per_request_max).toBe(127);
  });

  it('splits every THP on a rotational device (no swap clusters): one split flush, then P dirty-folio flushes', () => {
    // add_to_swap fails for order 9 (scan_swap_map_slots: no cluster_info); split_folio_to_list:
    // unmap_folio splits the PMD (one round); the 512 order-0 folios are swapped one by one.
    const r = run_builtin('dirty-16m', [...THP, 'swap.device=hdd']);
    expect(r.interrupts.TLB).toEqual([0, P + H]);
    expect(r.vmstat.pswpout).toBe(P);
    expect(thp_vmstat(r)).toMatchObject({ thp_split_pmd: H, thp_split_page: H, thp_swpout_fallback: H, thp_swpout: 0 });
    expect(mthp(r, '2048kB')).toEqual({ anon_fault_alloc: H, anon_fault_fallback: 0, swpout: 0, swpout_fallback: H, split: H });
    expect(r.io.bios).toBe(P);
  });

  it('frees the split pages in the same pass on a rotational synchronous device, and the oracle follows them', () => {
    const r = run_builtin('dirty-16m', [...THP, 'swap.device=zram', 'swap.rotational=true']);
    expect(r.interrupts.TLB).toEqual([0, P + H]);
    expect(r.vmstat.pgfree).toBe(P);
    expect(r.oracle.violations).toEqual([]);
  });

  it('gives batching back its saving when every THP is split: 2H rounds instead of P + H', () => {
    // One PMD-split round per THP (shrink_folio_list's fallback split), then one flush for the
    // 512 order-0 folios of the call.
    for (const device of ['hdd', 'zram']) {
      for (const strategy of ['seed-v1', 'batched']) {
        const r = run_builtin('dirty-16m', [...THP, `swap.device=${device}`, 'swap.rotational=true'], { strategy });
        expect(r.interrupts.TLB).toEqual([0, 2 * H]);
      }
    }
  });

  it('follows swap.rotational over the preset', () => {
    expect(run_builtin('dirty-16m', [...THP, 'swap.device=hdd', 'swap.rotational=false']).interrupts.TLB).toEqual([0, 2 * H]);
    expect(run_builtin('dirty-16m', [...THP, 'swap.rotational=true']).interrupts.TLB).toEqual([0, P + H]);
  });
});

describe('PMD-mapped THP, 3 MiB chunks', () => {
  // Chunk boundaries at 768 k pages (k = 1..5) fall inside PMDs 1, 4 and 7 (1536 and 3072 are
  // PMD edges): S = 3 THPs are met over part of their range and split (split_folio: its
  // unmap_folio splits the PMD, one round; thp_split_page), W = 5 are reclaimed whole (2
  // rounds each). Each split PMD is walked as PTEs by two callbacks, each starting with a B12
  // flush (R = 6: some reclaim always deferred PTEs before), and its 512 order-0 dirty folios
  // cost one flush each.
  const S = 3;
  const W = N - S;
  const R = 2 * S;
  for (const threads of [1, 3]) {
    for (const device of ['nvme', 'zram']) {
      it(`gives 2W + S(1 + 512) + R TLB per spinning CPU (${threads} thread(s), ${device})`, () => {
        const r = run_builtin('dirty-16m', [...THP, 'pageout.chunk=3MiB', `machine.cpus=${threads + 1}`, `workload.threads=${threads}`, `swap.device=${device}`]);
        expect(r.interrupts.TLB).toEqual(spinning(threads, 2 * W + S * (1 + PTRS_PER_PTE) + R));
        expect(r.vmstat.sim_batched_pending_flush).toBe(R);
        expect(r.vmstat.pswpout).toBe(P);
        expect(thp_vmstat(r)).toMatchObject({ thp_split_pmd: N, thp_split_page: S, thp_swpout: W, thp_swpout_fallback: 0 });
        expect(mthp(r, '2048kB')).toEqual({ anon_fault_alloc: H, anon_fault_fallback: 0, swpout: W, swpout_fallback: 0, split: S });
        expect(r.oracle.violations).toEqual([]);
      });
    }
  }
});

describe('64 KiB mTHP, whole range', () => {
  for (const threads of [1, 3]) {
    for (const device of ['nvme', 'zram']) {
      it(`flushes once per folio: M + N - 1 TLB per spinning CPU (${threads} thread(s), ${device})`, () => {
        const r = run_builtin('dirty-16m', [...MTHP, `machine.cpus=${threads + 1}`, `workload.threads=${threads}`, `swap.device=${device}`]);
        expect(r.interrupts.TLB).toEqual(spinning(threads, M + N - 1));
        expect(r.vmstat.pswpout).toBe(P);
        expect(r.vmstat.pgfree).toBe(device === 'zram' ? P : 0);
        expect(thp_vmstat(r)).toEqual({
          thp_fault_alloc: 0,
          thp_fault_fallback: 0,
          thp_split_pmd: 0,
          thp_swpout: 0,
          thp_split_page: 0,
          thp_swpout_fallback: 0,
          thp_deferred_split_page: 0,
        });
        expect(mthp(r, '64kB')).toEqual({ anon_fault_alloc: M, anon_fault_fallback: 0, swpout: M, swpout_fallback: 0, split: 0 });
        expect(r.oracle.violations).toEqual([]);
      });
    }
  }

  it('splits every folio on a rotational device: 16 + 1 rounds per folio', () => {
    // add_to_swap fails; split_folio_to_list's unmap_folio defers the 16 PTEs (migration
    // entries) and try_to_unmap_flush sends one round; then 16 order-0 dirty folios.
    const r = run_builtin('dirty-16m', [...MTHP, 'swap.device=hdd']);
    expect(r.interrupts.TLB).toEqual([0, M * (MTHP_PAGES + 1) + N - 1]);
    expect(mthp(r, '64kB')).toEqual({ anon_fault_alloc: M, anon_fault_fallback: 0, swpout: 0, swpout_fallback: M, split: M });
  });
});

describe('64 KiB mTHP, unaligned chunks', () => {
  // Chunks of 769 pages: the 5 boundaries (769 k, none a multiple of 16) each fall inside a
  // folio, and inside a PMD, so there are N + 5 callbacks (B12 flushes: N + 4). The callback
  // ending inside a folio sees fewer of its PTEs than it has pages (madvise_folio_pte_batch)
  // and splits it: unmap_folio defers its 16 PTEs and flushes (one round) — which also counts
  // a deferred unmap on the mm, so the flush_tlb_batched_pending after retaking the PTE lock
  // is one more round. Its 16 pages are then reclaimed as order-0 folios over two callbacks.
  const SPLIT = 5;
  for (const threads of [1, 3]) {
    for (const device of ['nvme', 'zram']) {
      it(`gives (M - 5) + 5(1 + 1 + 16) + (N + 4) TLB per spinning CPU (${threads} thread(s), ${device})`, () => {
        const r = run_builtin('dirty-16m', [...MTHP, 'pageout.chunk=3076KiB', `machine.cpus=${threads + 1}`, `workload.threads=${threads}`, `swap.device=${device}`]);
        expect(r.interrupts.TLB).toEqual(spinning(threads, M - SPLIT + SPLIT * (2 + MTHP_PAGES) + N + 4));
        expect(r.vmstat.sim_batched_pending_flush).toBe(N + 4 + SPLIT);
        expect(r.vmstat.pswpout).toBe(P);
        expect(mthp(r, '64kB')).toEqual({ anon_fault_alloc: M, anon_fault_fallback: 0, swpout: M - SPLIT, swpout_fallback: 0, split: SPLIT });
        expect(r.oracle.violations).toEqual([]);
      });
    }
  }
});

describe('strategies on large folios', () => {
  it('batching buys nothing on PMD THPs (one folio per shrink_folio_list) and 256 -> 8 rounds on 64 KiB mTHPs', () => {
    for (const strategy of ['seed-v1', 'batched']) {
      expect(run_builtin('dirty-16m', THP, { strategy }).interrupts.TLB).toEqual([0, 2 * H]);
      // One flush per callback's batch plus the N - 1 B12 flushes.
      expect(run_builtin('dirty-16m', MTHP, { strategy }).interrupts.TLB).toEqual([0, N + N - 1]);
    }
  });

  it('the oracle still catches seed-v1 leaking whole THPs freed in the same pass (zram)', () => {
    const r = run_builtin('dirty-16m', [...THP, 'swap.device=zram'], { strategy: 'seed-v1' });
    const codes = r.oracle.violations.map((v) => v.code);
    expect(codes).toContain('LEAKED_FOLIO');
    expect(r.oracle.violations.find((v) => v.code === 'LEAKED_FOLIO')?.count).toBe(H);
    expect(r.oracle.violations.find((v) => v.code === 'NR_RECLAIMED_MISMATCH')?.first.detail).toBe(`nr_reclaimed ${PTRS_PER_PTE}, pages freed 0`);
  });

  for (const strategy of ['upstream', 'zhang-v4', 'batched']) {
    it(`${strategy} stays correct with threads writing into the THP region during pageout`, () => {
      const r = run_builtin('dirty-16m', [...THP, 'machine.cpus=4', 'workload.threads=3', 'workload.pageout_access=write'], { strategy });
      expect(r.oracle.violations).toEqual([]);
    });
  }
});

describe('THP settings', () => {
  it('leave every result unchanged when never (the default), and report no thp section', () => {
    const plain = run_builtin('dirty-16m');
    expect(plain.thp).toBeUndefined();
    expect(run_builtin('dirty-16m', ['memory.thp=never']).interrupts).toEqual(plain.interrupts);
  });

  it('back the region only when madvise is asked and the experiment marks it', () => {
    const r = run_builtin('dirty-16m', ['memory.thp=madvise']);
    expect(thp_vmstat(r).thp_fault_alloc).toBe(H);
    // The 4 KiB application buffer never gets one (not marked, and too small).
    expect(run_builtin('dirty-16m', ['memory.mthp.2MiB=never', 'memory.thp=always']).thp).toBeUndefined();
  });

  it('take the largest enabled size that fits an aligned range', () => {
    const r = run_builtin('dirty-16m', ['memory.thp=always', 'memory.mthp.64KiB=always', 'pageout.size=2112KiB']);
    // 2 MiB + 64 KiB: one PMD THP, then one 64 KiB folio.
    expect(thp_vmstat(r).thp_fault_alloc).toBe(1);
    expect(mthp(r, '64kB').anon_fault_alloc).toBe(1);
  });
});

describe('bad THP settings', () => {
  function issue_of(text: string): string {
    try {
      parse_scenario(text, 'thp.yaml');
    } catch (error) {
      if (error instanceof ScenarioError) return error.message;
      throw error;
    }
    return '';
  }

  it('name the field, the value and the allowed values', () => {
    expect(issue_of('memory:\n  thp: sometimes\n')).toMatch(/^thp\.yaml:2:8 memory\.thp: .*"never"\|"always"\|"madvise".*\(got sometimes\)$/);
    expect(issue_of('memory:\n  mthp: { 64KiB: yes }\n')).toMatch(/memory\.mthp\.64KiB: .*"never"\|"always"\|"madvise"\|"inherit".*\(got yes\)/);
    expect(issue_of('memory:\n  mthp: { 48KiB: always }\n')).toMatch(/memory\.mthp: unknown field\(s\) 48KiB/);
  });

});

describe('kswapd, direct and memcg reclaim on large folios', () => {
  // The stress workers fault their regions in with GFP_TRANSHUGE_LIGHT: large folios while a
  // block is free above the low watermark and the cgroup has room, order 0 after.
  for (const scenario of ['kswapd-48m', 'direct-reclaim', 'stress-memcg']) {
    for (const memory of [THP, MTHP]) {
      it(`${scenario} with ${memory[0]}: every correct strategy stays correct, and some large folios are swapped out whole`, () => {
        for (const strategy of ['upstream', 'zhang-v4', 'batched']) {
          const r = run_builtin(scenario, memory, { strategy });
          expect(r.oracle.violations).toEqual([]);
          const size = memory === THP ? '2048kB' : '64kB';
          expect(mthp(r, size).anon_fault_alloc).toBeGreaterThan(0);
          expect(mthp(r, size).swpout).toBeGreaterThan(0);
        }
      });
    }
  }

  it('the oracle catches seed-v1 leaking large folios under memcg reclaim', () => {
    const codes = run_builtin('stress-memcg', MTHP, { strategy: 'seed-v1' }).oracle.violations.map((v) => v.code);
    expect(codes).toEqual(expect.arrayContaining(['LEAKED_FOLIO', 'MEMCG_CHARGE_LEAK']));
  });
});
