import { assert } from '../engine/assert.js';
import type { Simulator } from '../engine/simulator.js';
import { make_arch_tlb, type ArchOptions } from './arch.js';
import type { ArchName, ArchTlb } from './arch_tlb.js';
import type { CostModel } from './cost_model.js';
import { Cpumask, NR_CPUS_MAX } from './cpumask.js';
import { Tlb } from './tlb.js';
import { IRQ_TLB, TLB_FLUSH_ALL_PAGES, TLB_FLUSH_ON_TASK_SWITCH, type Tracer } from './tracer.js';

/**
 * The architecture part of an address space (x86 `mm_context_t` plus `mm_cpumask`): which
 * CPUs may hold its translations, and its TLB generation, bumped by every flush request.
 */
export class MmContext {
  readonly cpumask = new Cpumask();
  /** context.tlb_gen (kernel-spec C1). */
  tlb_gen = 0;
  /** x86-invlpgb: the mm has a global ASID, kept current on every CPU by INVLPGB (6.15). */
  global_asid = false;

  constructor(readonly id: number) {}
}

/**
 * What runs on a CPU above the kernel (an application thread) and must learn about its
 * CPU's time and TLB.
 */
export interface CpuListener {
  /**
   * An interrupt handler ran on the CPU for `duration_ns`, preempting the listener; if it
   * dropped the user TLB entries of the CPU's loaded mm, `flush_at_ns` is when the handler
   * started, else -1.
   */
  on_interrupt(duration_ns: number, flush_at_ns: number): void;
  /** The user TLB entries of the CPU's loaded mm were dropped outside an interrupt, at `at_ns`. */
  on_tlb_flush_all(at_ns: number): void;
}

export interface MachineParams {
  nr_cpus: number;
  tlb_entries: number;
  /** debugfs x86/tlb_single_page_flush_ceiling (kernel-spec C3). */
  tlb_single_page_flush_ceiling: number;
  cost: CostModel;
  /** machine.sockets: CPUs are split evenly, consecutive CPUs on one socket; default 1. */
  sockets?: number | undefined;
  /** machine.arch; default x86. */
  arch?: ArchName | undefined;
  arch_options?: ArchOptions;
  /**
   * The simulator, so that remote TLB work can run as events at the time it happens on its
   * target. Without one (unit tests of hw alone) it is applied when it is sent.
   */
  sim?: Simulator | undefined;
}

/**
 * The CPUs of a machine and their per-CPU TLB state (`cpu_tlbstate`): the loaded mm, lazy
 * mode, and the generation the CPU's TLB has caught up to (x86's; other architectures ignore
 * it). How remote TLBs are flushed is the architecture's (`arch`). One ASID slot per CPU is
 * modelled (the loaded mm's); the six dynamic ASIDs matter only when CPUs switch between mms.
 */
export class Machine {
  readonly nr_cpus: number;
  readonly cost: CostModel;
  readonly tlb_single_page_flush_ceiling: number;
  readonly tlb: Tlb;
  /** cpu_tlbstate.loaded_mm; null is init_mm. */
  readonly loaded_mm: (MmContext | null)[];
  /** cpu_tlbstate_shared.is_lazy */
  readonly is_lazy: Uint8Array;
  /** cpu_tlbstate.ctxs[asid].tlb_gen for the loaded mm. */
  readonly local_tlb_gen: Float64Array;
  /** Interrupt time taken on the CPU that the kernel task running there has not yet absorbed. */
  readonly irq_debt_ns: Float64Array;
  /** The listener of each CPU, or null. */
  readonly listeners: (CpuListener | null)[];
  /** Receives tracepoint events when a trace or report is wanted. */
  tracer: Tracer | null = null;
  /** The socket of each CPU (machine.sockets splits the CPUs evenly, in order). */
  readonly socket_of: Uint8Array;
  readonly nr_sockets: number;
  /** How this machine flushes TLBs (the architecture seam, hw/arch_tlb.ts). */
  readonly arch: ArchTlb;
  readonly sim: Simulator | null;
  /**
   * Flush rounds whose remote work (x86: flush_tlb_func calls of IPIs not yet taken) is still
   * queued as events. The initiator waits for it (csd_lock_wait): before it continues, those
   * events must run (reclaim/kernel.ts wait_for_flush).
   */
  tlb_flushes_in_flight = 0;

  constructor(params: MachineParams) {
    this.sim = params.sim ?? null;
    assert(params.nr_cpus >= 1 && params.nr_cpus <= NR_CPUS_MAX, () => `nr_cpus ${params.nr_cpus} out of range`);
    this.nr_cpus = params.nr_cpus;
    this.cost = params.cost;
    this.tlb_single_page_flush_ceiling = params.tlb_single_page_flush_ceiling;
    this.tlb = new Tlb(params.nr_cpus, params.tlb_entries);
    this.loaded_mm = new Array<MmContext | null>(params.nr_cpus).fill(null);
    this.is_lazy = new Uint8Array(params.nr_cpus);
    this.local_tlb_gen = new Float64Array(params.nr_cpus);
    this.irq_debt_ns = new Float64Array(params.nr_cpus);
    this.listeners = new Array<CpuListener | null>(params.nr_cpus).fill(null);
    this.nr_sockets = params.sockets ?? 1;
    assert(params.nr_cpus % this.nr_sockets === 0, () => `${params.nr_cpus} CPUs do not split evenly over ${this.nr_sockets} sockets`);
    const per_socket = params.nr_cpus / this.nr_sockets;
    this.socket_of = new Uint8Array(params.nr_cpus);
    for (let cpu = 0; cpu < params.nr_cpus; cpu++) this.socket_of[cpu] = Math.floor(cpu / per_socket);
    this.arch = make_arch_tlb(params.arch ?? 'x86', this, params.arch_options ?? {});
  }

  /**
   * An interrupt handler ran on `cpu`: its time is taken from whatever ran there. A handler
   * that flushed the user TLB passes the time it started as `flush_at_ns` (else -1).
   */
  interrupt(cpu: number, duration_ns: number, flush_at_ns: number, start_ns: number, kind = IRQ_TLB): void {
    this.irq_debt_ns[cpu] = (this.irq_debt_ns[cpu] as number) + duration_ns;
    if (this.tracer !== null) this.tracer.irq(cpu, start_ns, duration_ns, kind);
    const listener = this.listeners[cpu] as CpuListener | null;
    if (listener !== null) listener.on_interrupt(duration_ns, flush_at_ns);
  }

  /** The CPU's user TLB entries were all dropped outside an interrupt, at `at_ns`. */
  user_tlb_flushed(cpu: number, at_ns: number): void {
    this.tlb.flush_all(cpu);
    const listener = this.listeners[cpu] as CpuListener | null;
    if (listener !== null) listener.on_tlb_flush_all(at_ns);
  }

  /** Extra one-way latency of a message (IPI, cache line) from `from` to `to`: cross_socket_ns between sockets, else 0. */
  distance_ns(from: number, to: number): number {
    return this.socket_of[from] === this.socket_of[to] ? 0 : this.cost.cross_socket_ns;
  }

  /** The interrupt time a kernel task on `cpu` has to add to its clock, now consumed. */
  take_irq_debt(cpu: number): number {
    const debt = this.irq_debt_ns[cpu] as number;
    this.irq_debt_ns[cpu] = 0;
    return debt;
  }

  /**
   * switch_mm_irqs_off: the CPU leaves its previous mm's cpumask and joins the next one's,
   * catching up with the next mm's generation (a CR3 write that flushes its user entries).
   * `next` null switches to init_mm (a kernel thread that stopped borrowing a user mm).
   */
  switch_mm(cpu: number, next: MmContext | null, at_ns: number): void {
    const prev = this.loaded_mm[cpu] as MmContext | null;
    const was_lazy = this.is_lazy[cpu] === 1;
    this.is_lazy[cpu] = 0;
    if (prev === next) {
      // Leaving lazy mode on the same mm: catch up with flushes missed meanwhile (C2).
      if (was_lazy && next !== null && (this.local_tlb_gen[cpu] as number) < next.tlb_gen) {
        this.local_tlb_gen[cpu] = next.tlb_gen;
        this.user_tlb_flushed(cpu, at_ns);
      }
      return;
    }
    if (prev !== null) prev.cpumask.clear(cpu);
    this.loaded_mm[cpu] = next;
    if (next !== null) {
      next.cpumask.set(cpu);
      this.local_tlb_gen[cpu] = next.tlb_gen;
    }
    if (this.tracer !== null) this.tracer.tlb_flush(cpu, at_ns, TLB_FLUSH_ON_TASK_SWITCH, TLB_FLUSH_ALL_PAGES);
    this.user_tlb_flushed(cpu, at_ns);
  }

  /** enter_lazy_tlb: a kernel thread or idle keeps the user mm loaded but marks the CPU lazy (C2). */
  enter_lazy_tlb(cpu: number): void {
    this.is_lazy[cpu] = 1;
  }
}
