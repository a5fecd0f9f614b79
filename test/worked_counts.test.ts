/**
 * The spec's worked counts (reference/kernel-spec.md, "Worked counts", x86, 6.12.117,
 * MADV_PAGEOUT, small folios), asserted exactly. The expected numbers are derived here from
 * the spec's rules; the model must reach them by its mechanism.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PTRS_PER_PTE, run_builtin } from './helpers.js';

const P = (16 * 1024 * 1024) / PAGE_SIZE; // 4096 pages
const N = P / PTRS_PER_PTE; // 8 PMDs

/** PTE-level PMD callbacks of a pageout of `size_pages` in calls of `chunk_pages`, from a 2 MiB-aligned start. */
function callbacks(size_pages: number, chunk_pages: number): number {
  let count = 0;
  for (let start = 0; start < size_pages; start += chunk_pages) {
    const end = Math.min(size_pages, start + chunk_pages);
    count += Math.floor((end - 1) / PTRS_PER_PTE) - Math.floor(start / PTRS_PER_PTE) + 1;
  }
  return count;
}

describe('worked count 1: dirty whole-range pageout, T spinning threads', () => {
  it('gives each spinning CPU P + (N - 1) TLB shootdowns and the caller none (block swap)', () => {
    const r = run_builtin('dirty-16m');
    expect(r.interrupts.TLB).toEqual([0, P + N - 1]);
    // One IPI per call: a single initiator never finds a call queue non-empty.
    expect(r.interrupts.CAL).toEqual([0, P + N - 1]);
    // One flush_tlb_multi per dirty folio (A17.5) plus one flush_tlb_mm per later callback (B12).
    expect(r.vmstat.nr_tlb_remote_flush).toBe(P + N - 1);
    expect(r.vmstat.sim_tlbbatch_flush_remote).toBe(P);
    expect(r.vmstat.sim_batched_pending_flush).toBe(N - 1);
    expect(r.vmstat.pswpout).toBe(P);
    expect(r.vmstat.pgpgout).toBe(P * 4);
    expect(r.vmstat.nr_vmscan_write).toBe(P);
    // Async block swap: written, not freed in the pass (F8).
    expect(r.vmstat.pgfree).toBe(0);
  });

  it('is the same with zram, where every folio is freed in the same pass', () => {
    const r = run_builtin('dirty-16m', ['swap.device=zram']);
    expect(r.interrupts.TLB).toEqual([0, P + N - 1]);
    expect(r.vmstat.pgfree).toBe(P);
    expect(r.vmstat.pswpout).toBe(P);
  });

  it('reaches every one of T spinning CPUs alike', () => {
    const r = run_builtin('dirty-16m', ['machine.cpus=5', 'workload.threads=4']);
    expect(r.interrupts.TLB).toEqual([0, P + N - 1, P + N - 1, P + N - 1, P + N - 1]);
  });

  it('gives a CPU that holds the mm only lazily one flush_tlb_mm and none of the P rounds', () => {
    const r = run_builtin('dirty-16m', ['machine.cpus=3', 'workload.lazy_cpus=[2]']);
    expect(r.interrupts.TLB).toEqual([0, P + N - 1, 1]);
  });

  it('sends nothing to threads of another process: the batch cpumask holds only the reclaimed mm', () => {
    const r = run_builtin('dirty-16m', ['workload.process=separate']);
    expect(r.interrupts.TLB).toEqual([0, 0]);
  });
});

describe('worked count 2: dirty pageout in chunks', () => {
  it('gives the same total in aligned 2 MiB calls', () => {
    const r = run_builtin('dirty-16m-chunked');
    expect(r.interrupts.TLB).toEqual([0, P + N - 1]);
  });

  it('adds one flush_tlb_mm per extra callback boundary with unaligned chunks', () => {
    const chunk_pages = (3 * 1024 * 1024) / PAGE_SIZE;
    const r = run_builtin('dirty-16m', ['pageout.chunk=3MiB']);
    expect(callbacks(P, chunk_pages)).toBeGreaterThan(N);
    expect(r.interrupts.TLB).toEqual([0, P + callbacks(P, chunk_pages) - 1]);
  });
});

describe('worked count 3: clean re-pageout', () => {
  // Per callback: 16 rounds when the free batch fills (A22) + 1 at the end (A34), plus one
  // flush_tlb_mm at its start; the first callback's is left by the first pageout (delta = 1).
  const expected = N * Math.ceil(PTRS_PER_PTE / 31) + (N - 1) + 1;

  it('gives N * 17 + (N - 1) + 1 = 144 on block swap, writing nothing', () => {
    const r = run_builtin('clean-16m');
    expect(expected).toBe(144);
    expect(r.interrupts.TLB).toEqual([0, expected]);
    expect(r.vmstat.pswpout).toBe(0);
    expect(r.vmstat.pgfree).toBe(P);
  });

  it('gives the same 144 on zram, which rewrites the pages but with clean PTEs', () => {
    const r = run_builtin('clean-16m', ['swap.device=zram']);
    expect(r.interrupts.TLB).toEqual([0, expected]);
    expect(r.vmstat.pswpout).toBe(P);
    expect(r.vmstat.pgfree).toBe(P);
  });

  it('counts the read-back as faults: minor from the swap cache (block), major from zram', () => {
    const block = run_builtin('clean-16m').phases.find((p) => p.name === 'read-back');
    expect(block?.vmstat.pgfault).toBe(P);
    expect(block?.vmstat.pgmajfault).toBe(0);
    const zram = run_builtin('clean-16m', ['swap.device=zram']).phases.find((p) => p.name === 'read-back');
    expect(zram?.vmstat.pgmajfault).toBe(P);
    expect(zram?.vmstat.pswpin).toBe(P);
  });
});

describe('worked count 4: single-threaded', () => {
  it('sends no shootdown: every unmap is a local single-page flush', () => {
    const r = run_builtin('single-thread-16m');
    expect(r.interrupts.TLB).toEqual([0, 0]);
    expect(r.vmstat.nr_tlb_local_flush_one).toBe(P);
    expect(r.vmstat.nr_tlb_remote_flush).toBe(0);
  });

  it('gives 1 to a CPU that ran the process earlier, then everything is local again', () => {
    const r = run_builtin('single-thread-16m', ['workload.lazy_cpus=[1]']);
    expect(r.interrupts.TLB).toEqual([0, 1]);
  });

  it('gives 0 when the range is a single PMD: the next B12 operation would pay it', () => {
    const r = run_builtin('single-thread-16m', ['workload.lazy_cpus=[1]', 'pageout.size=2MiB']);
    expect(r.interrupts.TLB).toEqual([0, 0]);
  });
});

describe('swap more than half full (vm_swap_full, A27, should_try_to_free_swap)', () => {
  // A read fault drops the page's swap copy while fewer than half the usable slots are free;
  // each drop frees a slot, so the rule stops after a count set by the swap size, and the
  // re-pageout writes exactly those pages again.
  it('drops one copy when one pageout leaves swap just over half used (32 MiB: 4095 of 8191 free)', () => {
    expect(run_builtin('clean-16m', ['swap.size=32MiB']).vmstat.pswpout).toBe(1);
  });

  it('drops half the copies when one pageout fills swap (4096 usable slots: while 2 x freed < 4096)', () => {
    expect(run_builtin('clean-16m', ['swap.size=16388KiB']).vmstat.pswpout).toBe(P / 2);
  });
});
