import type { ArchName } from '../arch_tlb.js';
import { running_cpus_mask, TLB_FLUSH_ALL } from '../arch_tlb.js';
import type { Machine, MmContext } from '../machine.js';
import { TLB_FLUSH_ALL_PAGES, TLB_LOCAL_MM_SHOOTDOWN, TLB_LOCAL_SHOOTDOWN, TLB_REMOTE_SHOOTDOWN } from '../tracer.js';

/** TLB_GENERATION_INVALID: a flush request that does not name a generation (batched flushes). */
export const TLB_GENERATION_INVALID = 0;

/** flush_action's answers: what flush_tlb_func does on a CPU. */
const FLUSH_NONE = 0;
const FLUSH_LAZY = 1;
const FLUSH_CAUGHT_UP = 2;
const FLUSH_PARTIAL = 3;
const FLUSH_FULL = 4;

/** struct flush_tlb_info: one flush request, reused (the kernel keeps one per CPU). */
export interface FlushTlbInfo {
  mm: MmContext | null;
  start_vpn: number;
  /** Exclusive end page, or TLB_FLUSH_ALL. */
  end_vpn: number;
  new_tlb_gen: number;
  initiating_cpu: number;
  freed_tables: boolean;
  /** log2 of the pages one INVLPG covers: 0 for 4 KiB mappings, 9 for a 2 MiB PMD mapping. */
  stride_shift: number;
}

/** TLB debug counters of /proc/vmstat (they exist with CONFIG_DEBUG_TLBFLUSH, kernel-spec C12). */
export interface TlbVmEvents {
  nr_tlb_remote_flush: number;
  nr_tlb_remote_flush_received: number;
  nr_tlb_local_flush_all: number;
  nr_tlb_local_flush_one: number;
}

/**
 * The target side of x86-64 IPI flushing (arch/x86/mm/tlb.c): per-CPU TLB generations, lazy
 * CPUs, the flush request (struct flush_tlb_info) and flush_tlb_func, which each target runs
 * in its function-call interrupt. X86Tlb (tlb.ts) adds the sending side, flush_tlb_multi, and
 * the architecture seam's entry points.
 */
export abstract class X86TlbCore {
  abstract readonly name: ArchName;
  /** /proc/interrupts "TLB": remote flush_tlb_func calls received (kernel-spec C12). */
  readonly irq_tlb_count: Float64Array;
  /** /proc/interrupts "CAL": function-call interrupts taken. */
  readonly irq_call_count: Float64Array;
  readonly interrupt_rows: Readonly<Record<string, Float64Array>>;
  readonly shootdowns_received: Float64Array;
  /** When the CPU's queue of cross-CPU function calls drains; a call queued before then rides the pending interrupt. */
  readonly csd_busy_until_ns: Float64Array;
  readonly events: TlbVmEvents = {
    nr_tlb_remote_flush: 0,
    nr_tlb_remote_flush_received: 0,
    nr_tlb_local_flush_all: 0,
    nr_tlb_local_flush_one: 0,
  };
  /**
   * Set by flush_tlb_func when it dropped the CPU's user TLB entries with a full flush, so the
   * caller can tell the CPU's listener in the same interrupt report.
   */
  protected flushed_full = false;
  /** Whether flush_tlb_multi asks guest_ipi_ns about each target (a paravirtual guest). */
  protected readonly paravirt: boolean = false;
  protected readonly info: FlushTlbInfo = {
    mm: null,
    start_vpn: 0,
    end_vpn: TLB_FLUSH_ALL,
    new_tlb_gen: TLB_GENERATION_INVALID,
    initiating_cpu: 0,
    freed_tables: false,
    stride_shift: 0,
  };

  constructor(protected readonly m: Machine) {
    this.irq_tlb_count = new Float64Array(m.nr_cpus);
    this.irq_call_count = new Float64Array(m.nr_cpus);
    this.csd_busy_until_ns = new Float64Array(m.nr_cpus);
    this.interrupt_rows = { TLB: this.irq_tlb_count, CAL: this.irq_call_count };
    this.shootdowns_received = this.irq_tlb_count;
  }

  vm_events(): Record<string, number> {
    return { ...this.events };
  }

  remote_flush_rounds(): number {
    return this.events.nr_tlb_remote_flush;
  }

  /** x86 cannot hold a translation outside mm_cpumask; a lazy CPU runs no user code (C2). */
  may_hold(cpu: number, mm: MmContext): boolean {
    return mm.cpumask.test(cpu) && this.m.is_lazy[cpu] === 0;
  }

  may_hold_mask(mm: MmContext, bits: Uint32Array): void {
    running_cpus_mask(this.m, mm, bits);
  }

  /**
   * What flush_tlb_func (arch/x86/mm/tlb.c; kernel-spec C9) would do on `cpu` for the current
   * request, decided from the CPU's state now, without doing it (to time a call that runs
   * later): nothing (a remote call for
   * another mm, init_mm loaded, or this generation already seen), switch a lazy CPU to
   * init_mm, nothing but the trace (caught up), a partial flush (INVLPG per stride) only when
   * this request is exactly the next and latest generation, else a full flush.
   */
  protected flush_action(cpu: number, local: boolean): number {
    const m = this.m;
    const info = this.info;
    const loaded = m.loaded_mm[cpu] as MmContext | null;
    if (!local && info.mm !== null && info.mm !== loaded) return FLUSH_NONE;
    if (loaded === null) return FLUSH_NONE;
    if (m.is_lazy[cpu] === 1) return FLUSH_LAZY;
    const local_gen = m.local_tlb_gen[cpu] as number;
    if (info.new_tlb_gen !== TLB_GENERATION_INVALID && info.new_tlb_gen <= local_gen) return FLUSH_NONE;
    const mm_gen = loaded.tlb_gen;
    if (local_gen === mm_gen) return FLUSH_CAUGHT_UP;
    if (info.end_vpn !== TLB_FLUSH_ALL && info.new_tlb_gen === local_gen + 1 && info.new_tlb_gen === mm_gen) return FLUSH_PARTIAL;
    return FLUSH_FULL;
  }

  /** The work of flush_tlb_func for an action, in ns (one INVLPG per stride for a partial flush). */
  protected flush_action_ns(action: number): number {
    const cost = this.m.cost;
    const info = this.info;
    if (action === FLUSH_PARTIAL) return cost.flush_tlb_func_ns + ((info.end_vpn - info.start_vpn) >> info.stride_shift) * cost.invlpg_ns;
    if (action === FLUSH_FULL || action === FLUSH_LAZY) return cost.flush_tlb_func_ns + cost.tlb_flush_full_ns;
    return cost.flush_tlb_func_ns;
  }

  /**
   * flush_tlb_func (arch/x86/mm/tlb.c), run on `cpu` at `at_ns`; kernel-spec C9. Counts a remote
   * call in the CPU's TLB row before any early return, then does what flush_action would
   * decide from the CPU's state at `at_ns` (written out again here: this is the hot path of a
   * 64-CPU round; test/ipi_events.test.ts holds the two to the same answers): a lazy CPU switches to init_mm,
   * leaving the mm's cpumask. Returns the work in ns.
   */
  protected flush_tlb_func(cpu: number, at_ns: number): number {
    const m = this.m;
    const info = this.info;
    const cost = m.cost;
    this.flushed_full = false;
    const local = cpu === info.initiating_cpu;
    const loaded = m.loaded_mm[cpu] as MmContext | null;
    let work_ns = cost.flush_tlb_func_ns;
    if (!local) {
      this.irq_tlb_count[cpu] = (this.irq_tlb_count[cpu] as number) + 1;
      this.events.nr_tlb_remote_flush_received++;
      if (info.mm !== null && info.mm !== loaded) return work_ns;
    }
    if (loaded === null) return work_ns;
    if (m.is_lazy[cpu] === 1) {
      m.switch_mm(cpu, null, at_ns);
      return work_ns + cost.tlb_flush_full_ns;
    }
    const local_gen = m.local_tlb_gen[cpu] as number;
    if (info.new_tlb_gen !== TLB_GENERATION_INVALID && info.new_tlb_gen <= local_gen) return work_ns;
    const mm_gen = loaded.tlb_gen;
    if (local_gen === mm_gen) {
      this.trace_flush(cpu, at_ns, local, 0);
      return work_ns;
    }
    if (
      info.end_vpn !== TLB_FLUSH_ALL &&
      info.new_tlb_gen === local_gen + 1 &&
      info.new_tlb_gen === mm_gen
    ) {
      // One INVLPG per stride: a 2 MiB one drops the translations of its 512 pages.
      const pages = (info.end_vpn - info.start_vpn) >> info.stride_shift;
      for (let vpn = info.start_vpn; vpn < info.end_vpn; vpn++) m.tlb.flush_one(cpu, loaded.id, vpn);
      work_ns += pages * cost.invlpg_ns;
      if (local) this.events.nr_tlb_local_flush_one += pages;
      this.trace_flush(cpu, at_ns, local, pages);
    } else {
      work_ns += cost.tlb_flush_full_ns;
      m.tlb.flush_all(cpu);
      this.flushed_full = true;
      if (local) this.events.nr_tlb_local_flush_all++;
      this.trace_flush(cpu, at_ns, local, TLB_FLUSH_ALL_PAGES);
    }
    m.local_tlb_gen[cpu] = mm_gen;
    return work_ns;
  }

  /** The tlb:tlb_flush event at the end of flush_tlb_func ("done:"), when a tracer listens. */
  protected trace_flush(cpu: number, at_ns: number, local: boolean, pages: number): void {
    const m = this.m;
    const info = this.info;
    if (m.tracer === null) return;
    const reason = !local ? TLB_REMOTE_SHOOTDOWN : info.mm === null ? TLB_LOCAL_SHOOTDOWN : TLB_LOCAL_MM_SHOOTDOWN;
    m.tracer.tlb_flush(cpu, at_ns, reason, pages);
  }

  /** flush_tlb_func run by the initiator on itself (no interrupt): tells the CPU's listener of a full flush. */
  protected local_flush_tlb_func(cpu: number, at_ns: number): number {
    const m = this.m;
    const work_ns = this.flush_tlb_func(cpu, at_ns);
    if (this.flushed_full) m.user_tlb_flushed(cpu, at_ns);
    return work_ns;
  }

  /** should_flush_tlb (kernel-spec C6): lazy CPUs are skipped; a request without an mm goes everywhere else. */
  protected should_flush_tlb(cpu: number): boolean {
    const m = this.m;
    const info = this.info;
    if (m.is_lazy[cpu] === 1) return false;
    if (info.mm === null) return true;
    return m.loaded_mm[cpu] === info.mm;
  }

  /**
   * Paravirtual hook of flush_tlb_multi (native: 0): the extra cost of sending `target` its
   * IPI (VM exits), or -1 when the target needs none (kvm_flush_tlb_multi flagged it).
   */
  protected guest_ipi_ns(_target: number, _t_ns: number): number {
    return 0;
  }

  protected set_info(
    mm: MmContext | null,
    start_vpn: number,
    end_vpn: number,
    new_tlb_gen: number,
    cpu: number,
    freed_tables: boolean,
  ): void {
    const info = this.info;
    info.mm = mm;
    info.start_vpn = start_vpn;
    info.end_vpn = end_vpn;
    info.new_tlb_gen = new_tlb_gen;
    info.initiating_cpu = cpu;
    info.freed_tables = freed_tables;
  }
}
