/**
 * Exact counts per architecture (issue 11), on the worked-count scenarios of x86
 * (worked_counts.test.ts): P = 4096 pages of 16 MiB in N = 8 PMDs, MADV_PAGEOUT on CPU 0,
 * one thread of the process spinning on CPU 1. Each expectation is derived from the kernel
 * source in the comment beside it, not read off the model.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COST_PARAMS } from '../src/hw/cost_model.js';
import { swarm_scenario } from '../src/oracle/swarm.js';
import type { ReclaimStrategy } from '../src/reclaim/strategy.js';
import { run_scenario } from '../src/run/run_scenario.js';
import { scenario_schema } from '../src/scenario/schema.js';
import { PAGE_SIZE, PTRS_PER_PTE, run_builtin } from './helpers.js';

const P = (16 * 1024 * 1024) / PAGE_SIZE; // 4096 pages
const N = P / PTRS_PER_PTE; // 8 PMDs
const ARM64 = 'machine.arch=arm64';
const INVLPGB = 'machine.arch=x86-invlpgb';

/** Test-only: writes each dirty folio without the flush before I/O (A17.5 skipped). */
const io_before_flush: ReclaimStrategy = {
  name: 'io-before-flush',
  description: 'broken on purpose',
  *dirty_folio(ctx, pfn) {
    yield* ctx.pageout_one(pfn);
  },
  *after_main_loop() {},
};

describe('arm64, batched reclaim flush (43b3dfdd0455, Linux 6.5)', () => {
  it('dirty pageout: one TLBI per PTE at add time, one DSB per dirty folio, one ASID flush per later callback, no interrupt row', () => {
    // arch_tlbbatch_should_defer is true on arm64 whatever CPUs hold the mm; add_pending =
    // __flush_tlb_page_nosync: one TLBI VALE1IS per PTE (P), no wait. Each dirty folio's
    // try_to_unmap_flush_dirty (A17.5) = arch_tlbbatch_flush = one dsb(ish) (P). Callbacks 2..N
    // start with flush_tlb_batched_pending = flush_tlb_mm since 4b634918384c: TLBI ASIDE1IS +
    // DSB (N - 1 each). No IPI is sent, so /proc/interrupts has no row to count.
    const r = run_builtin('dirty-16m', [ARM64]);
    expect(r.interrupts).toEqual({});
    expect(r.vmstat.sim_flush_broadcast).toBe(P + N - 1);
    expect(r.vmstat.sim_flush_broadcast_sync).toBe(P + N - 1);
    expect(r.vmstat.sim_batched_pending_flush).toBe(N - 1);
    expect(r.vmstat.sim_tlbbatch_flush_remote).toBe(P);
    expect(r.vmstat.nr_tlb_remote_flush).toBeUndefined();
    expect(r.vmstat.pswpout).toBe(P);
    expect(r.oracle.verdict).toBe('correct');
  });

  it('clean re-pageout: P TLBIs but only N x 17 + N DSBs, as x86 has IPI rounds', () => {
    // Per callback: 16 free-batch flushes (A22: 512 / 31 fills) + 1 final (A34) DSB; plus
    // one TLBI ASIDE1IS + DSB per callback start (the first left by the first pageout).
    const r = run_builtin('clean-16m', [ARM64]);
    expect(r.vmstat.sim_flush_broadcast).toBe(P + N);
    expect(r.vmstat.sim_flush_broadcast_sync).toBe(N * Math.ceil(PTRS_PER_PTE / 31) + N);
    expect(N * Math.ceil(PTRS_PER_PTE / 31) + N).toBe(144);
  });

  it('defers even for a single-threaded process, which x86 flushes locally page by page', () => {
    // No CPU-count condition in the merged arch_tlbbatch_should_defer (v10/v11 of the series).
    const r = run_builtin('single-thread-16m', [ARM64]);
    expect(r.vmstat.sim_flush_broadcast).toBe(P + N - 1);
    expect(r.vmstat.sim_batched_pending_flush).toBe(N - 1);
  });

  it('without batching (machine.arm64_batched_flush: false): ptep_clear_flush, a TLBI and a DSB per page, nothing pending', () => {
    // should_defer_flush is false without ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH, so try_to_unmap_one
    // uses ptep_clear_flush -> flush_tlb_page = TLBI VALE1IS + dsb(ish) for each of the P PTEs;
    // no deferred unmap, so flush_tlb_batched_pending finds nothing.
    const r = run_builtin('dirty-16m', [ARM64, 'machine.arm64_batched_flush=false']);
    expect(r.vmstat.sim_flush_broadcast).toBe(P);
    expect(r.vmstat.sim_flush_broadcast_sync).toBe(P);
    expect(r.vmstat.sim_batched_pending_flush).toBe(0);
    expect(r.vmstat.sim_tlbbatch_flush_remote).toBe(0);
  });

  it('counts one iteration of the batching commit\'s zram benchmark as docs/calibration.md derives it', () => {
    // 1 MiB (256 pages) read back, then paged out again from zram. Unbatched: 256 x (TLBI +
    // DSB). Batched: 256 TLBIs at add time; DSBs: 8 full free batches of 31 folios (A22) + the
    // final flush (A34) + 1 TLBI ASIDE1IS + DSB of flush_tlb_batched_pending left by the first
    // pageout: 257 TLBIs, 10 DSBs.
    const bench = ['machine.preset=sd888-phone', 'pageout.size=1MiB', 'pageout.mode=clean', 'swap.device=zram'];
    const off = run_builtin('single-thread-16m', [...bench, 'machine.arm64_batched_flush=false']);
    const on = run_builtin('single-thread-16m', [...bench, 'machine.arm64_batched_flush=true']);
    expect([off.vmstat.sim_flush_broadcast, off.vmstat.sim_flush_broadcast_sync]).toEqual([256, 256]);
    expect([on.vmstat.sim_flush_broadcast, on.vmstat.sim_flush_broadcast_sync]).toEqual([257, Math.floor(256 / 31) + 1 + 1]);
    expect(on.sim_pageout_ns).toBeLessThan(off.sim_pageout_ns);
  });

  it('has the oracle catch a strategy that writes before the DSB: the TLBIs are still in flight', () => {
    const r = run_builtin('dirty-16m', [ARM64], { strategy: io_before_flush });
    expect(r.oracle.violations.map((v) => v.code)).toContain('FLUSH_BEFORE_IO');
  });

  it('keeps upstream and batched correct with an application writing the region', () => {
    for (const strategy of ['upstream', 'batched']) {
      const r = run_builtin('dirty-16m', [ARM64, 'workload.pageout_access=write', 'workload.pageout_access_interval=5us'], { strategy });
      expect(r.oracle.violations, strategy).toEqual([]);
    }
  });
});

describe('x86-invlpgb, as merged in Linux 6.15 (72a920eacd8a, 0b7eb55cb706)', () => {
  it('dirty pageout: each batched reclaim flush is one INVLPGB of all non-global entries + TLBSYNC, no IPI; flush_tlb_mm still IPIs', () => {
    // arch_tlbbatch_flush with unmapped_pages set: invlpgb_flush_all_nonglobals (P times, one
    // per dirty folio) and no flush_tlb_multi. The N - 1 flush_tlb_batched_pending calls go
    // through flush_tlb_mm_range of an mm without a global ASID (it runs on 2 CPUs, fewer than
    // the 4 consider_global_asid wants): IPIs as on x86, one TLB and one CAL each on CPU 1.
    const r = run_builtin('dirty-16m', [INVLPGB]);
    expect(r.interrupts).toEqual({ TLB: [0, N - 1], CAL: [0, N - 1] });
    expect(r.vmstat.sim_flush_broadcast).toBe(P);
    expect(r.vmstat.sim_flush_broadcast_sync).toBe(P);
    expect(r.vmstat.nr_tlb_remote_flush).toBe(N - 1);
    expect(r.oracle.verdict).toBe('correct');
  });

  it('clean re-pageout: the 136 reclaim rounds become INVLPGBs, the 8 flush_tlb_mm stay IPIs', () => {
    const r = run_builtin('clean-16m', [INVLPGB]);
    expect(r.vmstat.sim_flush_broadcast).toBe(N * Math.ceil(PTRS_PER_PTE / 31));
    expect(r.interrupts.TLB).toEqual([0, N]);
  });

  it('gives an mm running on 4+ CPUs a global ASID after an IPI flush; its later flush_tlb_mm are INVLPGB + TLBSYNC', () => {
    // consider_global_asid after the first IPI flush_tlb_mm (callback 2, jiffy 0 = mm id 0 & 31):
    // 6 CPUs run the mm (5 threads + the caller), so it gets a global ASID; callbacks 3..N each
    // flush the whole PCID with one INVLPGB (N - 2), besides the P reclaim INVLPGBs.
    const r = run_builtin('dirty-16m', [INVLPGB, 'machine.cpus=6', 'workload.threads=5']);
    expect(r.interrupts.TLB).toEqual([0, 1, 1, 1, 1, 1]);
    expect(r.vmstat.sim_flush_broadcast).toBe(P + N - 2);
  });

  it('single-threaded: nothing deferred (B4 as on x86), local INVLPGs, nothing broadcast', () => {
    const r = run_builtin('single-thread-16m', [INVLPGB]);
    expect(r.vmstat.sim_flush_broadcast).toBe(0);
    expect(r.vmstat.nr_tlb_local_flush_one).toBe(P);
  });

  it('has the oracle catch a strategy that writes before the flush', () => {
    const r = run_builtin('dirty-16m', [INVLPGB], { strategy: io_before_flush });
    expect(r.oracle.violations.map((v) => v.code)).toContain('FLUSH_BEFORE_IO');
  });
});

describe('x86-kvm-guest, paravirtual flush_tlb_multi (858a43aae236)', () => {
  const KVM = 'machine.arch=x86-kvm-guest';
  const VMEXIT = COST_PARAMS.vmexit_ns.default_ns;

  it('with no vCPU preempted: the x86 counts, each IPI round slower by the ICR write\'s VM exit', () => {
    // kvm_flush_tlb_multi removes no CPU, then native_flush_tlb_multi as on x86: P + N - 1
    // rounds of one IPI to CPU 1, each ICR write a VM exit on the sender (x2APIC physical mode).
    const native = run_builtin('dirty-16m');
    const guest = run_builtin('dirty-16m', [KVM]);
    expect(guest.interrupts).toEqual(native.interrupts);
    expect(guest.vmstat.sim_pv_tlb_flush_on_entry).toBe(0);
    expect((guest.vmstat.sim_ipi_wait_ns as number) - (native.vmstat.sim_ipi_wait_ns as number)).toBe((P + N - 1) * VMEXIT);
  });

  it('with every vCPU preempted: no IPI at all, each round flagged for a flush at the next entry', () => {
    // Each of the P + N - 1 rounds finds CPU 1's steal-time byte KVM_VCPU_PREEMPTED, sets
    // KVM_VCPU_FLUSH_TLB and drops it from the mask; native_flush_tlb_multi still counts
    // NR_TLB_REMOTE_FLUSH once per call but sends nothing, so neither TLB nor CAL moves.
    const r = run_builtin('dirty-16m', [KVM, 'machine.kvm_preempt_pct=100']);
    expect(r.interrupts).toEqual({ TLB: [0, 0], CAL: [0, 0] });
    expect(r.vmstat.sim_pv_tlb_flush_on_entry).toBe(P + N - 1);
    expect(r.vmstat.nr_tlb_remote_flush).toBe(P + N - 1);
    expect(r.oracle.verdict).toBe('correct');
  });

  it('has the oracle catch a strategy that writes before the flush, preempted vCPUs or not', () => {
    for (const pct of [0, 30]) {
      const r = run_builtin('dirty-16m', [KVM, `machine.kvm_preempt_pct=${pct}`], { strategy: io_before_flush });
      expect(r.oracle.violations.map((v) => v.code), `${pct} %`).toContain('FLUSH_BEFORE_IO');
    }
  });

  it('splits the rounds between IPIs and flags by the seeded host schedule, the same for the same seed', () => {
    const a = run_builtin('dirty-16m', [KVM, 'machine.kvm_preempt_pct=30']);
    const b = run_builtin('dirty-16m', [KVM, 'machine.kvm_preempt_pct=30']);
    expect(a.interrupts).toEqual(b.interrupts);
    expect((a.interrupts.TLB?.[1] ?? 0) + (a.vmstat.sim_pv_tlb_flush_on_entry as number)).toBe(P + N - 1);
    expect(a.vmstat.sim_pv_tlb_flush_on_entry).toBeGreaterThan(0);
    expect(a.oracle.verdict).toBe('correct');
  });
});

describe('the oracle on every architecture', () => {
  // The swarm's random small scenarios (CPU counts, threads, lazy CPUs, devices, zswap, memcg
  // stress, large folios) rerun on each architecture: the correct strategies stay correct.
  const variants: Record<string, unknown>[] = [
    { arch: 'arm64' },
    { arch: 'arm64', arm64_batched_flush: false },
    { arch: 'x86-invlpgb' },
    { arch: 'x86-kvm-guest', kvm_preempt_pct: 30 },
  ];
  for (const variant of variants) {
    it(`finds no violation for upstream and batched over swarm seeds 1..100 on ${JSON.stringify(variant)}`, () => {
      for (let seed = 1; seed <= 100; seed++) {
        const base = swarm_scenario(seed);
        const scenario = scenario_schema.parse({ ...base, machine: { ...base.machine, ...variant } });
        for (const strategy of ['upstream', 'batched']) {
          expect(run_scenario(scenario, { strategy }).oracle.violations, `seed ${seed} ${strategy}`).toEqual([]);
        }
      }
    });
  }
});

describe('arm64 flush_tlb_batched_pending before and after 4b634918384c', () => {
  // 6.5-6.15: arch_flush_tlb_batched_pending = dsb(ish) on the CPU of the racing munmap /
  // mprotect / MADV_DONTNEED. A DSB completes only the TLBIs its own CPU issued (Arm ARM, as
  // quoted by Ryan Roberts), so TLBIs that reclaim issued on another CPU stay in flight when
  // the racing operation returns. These swarm seeds have such a race: the oracle finds the
  // stale translations with the old DSB, and none with the fix (a whole-ASID TLBI + DSB).
  for (const seed of [3, 26, 91, 104]) {
    it(`swarm seed ${seed}: STALE_TLB_AFTER_UNMAP with the bare DSB, correct with flush_tlb_mm`, () => {
      const base = swarm_scenario(seed);
      const run = (pending: string) =>
        run_scenario(scenario_schema.parse({ ...base, machine: { ...base.machine, arch: 'arm64', arm64_batched_pending: pending } }), { strategy: 'upstream' });
      expect(run('dsb').oracle.violations.map((v) => v.code)).toContain('STALE_TLB_AFTER_UNMAP');
      expect(run('flush_mm').oracle.violations).toEqual([]);
    });
  }
});

describe('bad architecture settings', () => {
  it('rejects an unknown machine.arch with the allowed values, and arm64_batched_flush off arm64', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-arch-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'machine:\n  arch: sparc\n');
    expect(() => run_builtin(file)).toThrow(/bad\.yaml:2:9 machine\.arch: .*"x86"\|"x86-invlpgb"\|"x86-kvm-guest"\|"arm64"/);
    expect(() => run_builtin('dirty-16m', ['machine.arm64_batched_flush=false'])).toThrow(/machine\.arm64_batched_flush: needs machine\.arch: arm64/);
  });
});
