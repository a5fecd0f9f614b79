import type { ArchName, ArchTlb, ArchTlbBatch } from '../arch_tlb.js';
import { PMD_NR_PAGES, TLB_FLUSH_ALL } from '../arch_tlb.js';
import { Priority, type Simulator } from '../../engine/simulator.js';
import { Cpumask, NR_CPUS_MAX } from '../cpumask.js';
import type { MmContext } from '../machine.js';
import { CALL_IPI, CALL_LOCAL, CALL_QUEUED, FlushRounds } from './flush_rounds.js';
import { TLB_GENERATION_INVALID, X86TlbCore } from './flush_tlb_func.js';
import { IRQ_TLB, IRQ_TLB_QUEUED, IRQ_TLB_SINGLE, TLB_FLUSH_ALL_PAGES, TLB_REMOTE_SEND_IPI } from '../tracer.js';

export { TLB_GENERATION_INVALID, type TlbVmEvents } from './flush_tlb_func.js';

/** arch/x86/include/asm/tlbbatch.h: the CPUs a batched reclaim flush must reach. */
export class X86TlbBatch implements ArchTlbBatch {
  readonly cpumask = new Cpumask();
  /** unmapped_pages (6.15, INVLPGB only): a PTE was added since the last flush. */
  unmapped_pages = false;
  constructor(readonly arch: ArchName) {}
}

/**
 * x86-64 TLB flushing by IPI (arch/x86/mm/tlb.c, kernel/smp.c): mm_cpumask tracking, lazy
 * CPUs, per-mm TLB generations, flush_tlb_func run remotely in a function-call interrupt
 * (X86TlbCore, flush_tlb_func.ts), each IPI's call run at its delivery (flush_tlb_multi).
 * The first implementation of the architecture seam; the INVLPGB variant extends it.
 */
export class X86Tlb extends X86TlbCore implements ArchTlb {
  readonly name: ArchName = 'x86';
  /** The targets of one flush_tlb_multi that get an interrupt, reported once the vector is known. */
  private readonly ipi_cpu = new Int32Array(NR_CPUS_MAX);
  private readonly ipi_start_ns = new Float64Array(NR_CPUS_MAX);
  private readonly ipi_handler_ns = new Float64Array(NR_CPUS_MAX);
  private readonly ipi_flush_at_ns = new Float64Array(NR_CPUS_MAX);
  /**
   * on_each_cpu_cond_mask's `wait` as native_flush_tlb_multi passes it (true): the initiator
   * spins until every call ran. False only for a test's deliberate defect.
   */
  wait = true;
  /** Requests whose calls wait for their delivery events; made at the first such request. */
  private rounds: FlushRounds | null = null;
  /** The latest end of any call so far (csd_busy_until_ns's maximum): no call rides later. */
  private busy_max_ns = 0;
  /** The round the request being sent keeps its deferred calls in, or -1. */
  private open_slot = -1;
  /** The simulator's event kind for deliver_calls, registered at first use. */
  private deliver_kind = -1;
  new_batch(): X86TlbBatch {
    return new X86TlbBatch(this.name);
  }

  /**
   * native_flush_tlb_multi over smp_call_function_many_cond (kernel-spec C6, C8): queue a call
   * on every other CPU of the mask that passes the condition (none for freed_tables), send an
   * IPI to those whose call queue was empty, run the local flush concurrently, then spin until
   * every remote call has completed. Returns when the initiator may continue. As
   * smp_call_function_many_cond chooses (kernel/smp.c), exactly one CPU to interrupt gets
   * send_call_function_single_ipi (CALL_FUNCTION_SINGLE_VECTOR), several the
   * CALL_FUNCTION_VECTOR mask IPI; both count in CAL. A call queued behind a pending one runs
   * in that interrupt (IRQ_TLB_QUEUED: no entry of its own). Checked on Debian's 6.12 under
   * kernel-check's guest with irq_vectors tracing on: dirty-16m on 2 CPUs gives CPU 1
   * call_function_single_entry (vector=251) only; on 4 CPUs with 3 threads each spinner's CPU
   * gets call_function_entry (vector=252).
   *
   * When each call runs (the IPIs as events): a target keeps using its TLB until it takes the
   * interrupt, so each call's flush_tlb_func runs at its delivery time, on the target's state
   * then. A call that runs before the next event in the queue is run here and now: nothing
   * else can happen on any CPU in between (every other task and interrupt is an event), so no
   * one can tell. The others — an access, an I/O completion or another flush comes first — are
   * kept in the round (FlushRounds) and run by one event, deliver_calls, at their time, in
   * order with every other event (README, "IPIs as events"). The initiator's
   * wait is computed here from each target's state at sending, as the kernel's csd_lock_wait
   * ends when the last call completes; a call whose target changed meanwhile (another flush
   * reached it first, it went lazy) still does what its state at delivery says, but its
   * handler time stays the one predicted.
   */
  protected flush_tlb_multi(cpu: number, t_ns: number, mask: Cpumask): number {
    const m = this.m;
    const info = this.info;
    const cost = m.cost;
    this.events.nr_tlb_remote_flush++;
    if (m.tracer !== null) {
      m.tracer.tlb_flush(cpu, t_ns, TLB_REMOTE_SEND_IPI, info.end_vpn === TLB_FLUSH_ALL ? TLB_FLUSH_ALL_PAGES : (info.end_vpn - info.start_vpn) >> info.stride_shift);
    }
    let queued_ns = t_ns + cost.ipi_send_ns;
    // Calls due before the next event run here; if one may be due after it, the round goes
    // through flush_tlb_multi_events. An initiator that does not wait goes on at once: every
    // call is then an event.
    if (m.sim !== null) {
      const horizon_ns = this.wait ? m.sim.next_model_event_ns() : t_ns;
      const last_start_ns = queued_ns + m.nr_cpus * (cost.ipi_send_per_target_ns + (this.paravirt ? cost.vmexit_ns : 0)) + cost.ipi_delivery_ns + cost.cross_socket_ns;
      if (horizon_ns <= last_start_ns || horizon_ns <= this.busy_max_ns) return this.flush_tlb_multi_events(cpu, t_ns, mask, horizon_ns);
    }
    let done_ns = queued_ns;
    const conditional = !info.freed_tables;
    const words = mask.bits;
    // Hot: a 64-CPU flush visits every target. Locals, and the hooks only where they apply.
    const guest = this.paravirt;
    const multi_socket = m.nr_sockets > 1;
    const traced = m.tracer !== null;
    const busy = this.csd_busy_until_ns;
    const calls = this.irq_call_count;
    const ipi_cpu = this.ipi_cpu;
    const ipi_start_ns = this.ipi_start_ns;
    const ipi_handler_ns = this.ipi_handler_ns;
    const ipi_flush_at_ns = this.ipi_flush_at_ns;
    let nr_ipis = 0;
    // Walk the set bits of the mask in ascending CPU order.
    for (let word_index = 0; word_index < words.length; word_index++) {
      let word = words[word_index] as number;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        word = (word & (word - 1)) >>> 0;
        const target = word_index * 32 + bit;
        if (target === cpu) continue;
        const guest_ns = guest ? this.guest_ipi_ns(target, t_ns) : 0;
        if (guest_ns < 0) continue;
        if (conditional && !this.should_flush_tlb(target)) continue;
        queued_ns += cost.ipi_send_per_target_ns;
        const back_ns = multi_socket ? m.distance_ns(target, cpu) : 0;
        const busy_until = busy[target] as number;
        if (busy_until > queued_ns) {
          // The target is still running earlier calls: this one rides along, no new interrupt.
          const handler_ns = this.flush_tlb_func(target, busy_until);
          const end_ns = busy_until + handler_ns;
          busy[target] = end_ns;
          if (end_ns > this.busy_max_ns) this.busy_max_ns = end_ns;
          m.interrupt(target, handler_ns, this.flushed_full ? busy_until : -1, busy_until, IRQ_TLB_QUEUED);
          const ack_ns = end_ns + cost.csd_ack_ns + back_ns;
          if (ack_ns > done_ns) done_ns = ack_ns;
          continue;
        }
        calls[target] = (calls[target] as number) + 1;
        // In a guest the ICR write of this IPI is a VM exit on the sender.
        queued_ns += guest_ns;
        const start_ns = queued_ns + cost.ipi_delivery_ns + (multi_socket ? m.distance_ns(cpu, target) : 0);
        const handler_ns = cost.irq_entry_exit_ns + this.flush_tlb_func(target, start_ns);
        const end_ns = start_ns + handler_ns;
        busy[target] = end_ns;
        if (end_ns > this.busy_max_ns) this.busy_max_ns = end_ns;
        if (traced) {
          ipi_cpu[nr_ipis] = target;
          ipi_start_ns[nr_ipis] = start_ns;
          ipi_handler_ns[nr_ipis] = handler_ns;
          ipi_flush_at_ns[nr_ipis] = this.flushed_full ? start_ns : -1;
        } else {
          // Only the tracer tells the vectors apart: untraced, report the interrupt now.
          m.interrupt(target, handler_ns, this.flushed_full ? start_ns : -1, start_ns, IRQ_TLB);
        }
        nr_ipis++;
        // The initiator spins until the slowest target's acknowledgement reaches it (C8).
        const ack_ns = end_ns + cost.csd_ack_ns + back_ns;
        if (ack_ns > done_ns) done_ns = ack_ns;
      }
    }
    const vector = nr_ipis === 1 ? IRQ_TLB_SINGLE : IRQ_TLB;
    for (let i = 0; traced && i < nr_ipis; i++) {
      m.interrupt(ipi_cpu[i] as number, ipi_handler_ns[i] as number, ipi_flush_at_ns[i] as number, ipi_start_ns[i] as number, vector);
    }
    if (mask.test(cpu) && (!conditional || this.should_flush_tlb(cpu))) {
      const local_end_ns = queued_ns + this.local_flush_tlb_func(cpu, queued_ns);
      if (local_end_ns > done_ns) done_ns = local_end_ns;
    }
    return done_ns;
  }

  /**
   * flush_tlb_multi when some call may be due after the next event: the same round, each call
   * run now if it is due before `horizon_ns`, else kept for its event (defer_call). A separate
   * function so that the common round keeps a loop with no such branch (bench case (a)).
   */
  private flush_tlb_multi_events(cpu: number, t_ns: number, mask: Cpumask, horizon_ns: number): number {
    const m = this.m;
    const info = this.info;
    const cost = m.cost;
    let queued_ns = t_ns + cost.ipi_send_ns;
    let done_ns = queued_ns;
    const conditional = !info.freed_tables;
    const words = mask.bits;
    // Hot: a 64-CPU flush visits every target. Locals, and the hooks only where they apply.
    const guest = this.paravirt;
    const multi_socket = m.nr_sockets > 1;
    const traced = m.tracer !== null;
    const busy = this.csd_busy_until_ns;
    const calls = this.irq_call_count;
    const ipi_cpu = this.ipi_cpu;
    const ipi_start_ns = this.ipi_start_ns;
    const ipi_handler_ns = this.ipi_handler_ns;
    const ipi_flush_at_ns = this.ipi_flush_at_ns;
    let nr_ipis = 0;
    let nr_now = 0;
    // Walk the set bits of the mask in ascending CPU order.
    for (let word_index = 0; word_index < words.length; word_index++) {
      let word = words[word_index] as number;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        word = (word & (word - 1)) >>> 0;
        const target = word_index * 32 + bit;
        if (target === cpu) continue;
        const guest_ns = guest ? this.guest_ipi_ns(target, t_ns) : 0;
        if (guest_ns < 0) continue;
        if (conditional && !this.should_flush_tlb(target)) continue;
        queued_ns += cost.ipi_send_per_target_ns;
        const back_ns = multi_socket ? m.distance_ns(target, cpu) : 0;
        const busy_until = busy[target] as number;
        if (busy_until > queued_ns) {
          // The target is still running earlier calls: this one rides along, no new interrupt.
          let handler_ns: number;
          if (busy_until < horizon_ns) {
            handler_ns = this.flush_tlb_func(target, busy_until);
            m.interrupt(target, handler_ns, this.flushed_full ? busy_until : -1, busy_until, IRQ_TLB_QUEUED);
          } else {
            handler_ns = this.defer_call(target, busy_until, CALL_QUEUED);
          }
          const end_ns = busy_until + handler_ns;
          busy[target] = end_ns;
          if (end_ns > this.busy_max_ns) this.busy_max_ns = end_ns;
          const ack_ns = end_ns + cost.csd_ack_ns + back_ns;
          if (ack_ns > done_ns) done_ns = ack_ns;
          continue;
        }
        calls[target] = (calls[target] as number) + 1;
        // In a guest the ICR write of this IPI is a VM exit on the sender.
        queued_ns += guest_ns;
        const start_ns = queued_ns + cost.ipi_delivery_ns + (multi_socket ? m.distance_ns(cpu, target) : 0);
        let handler_ns: number;
        if (start_ns < horizon_ns) {
          handler_ns = cost.irq_entry_exit_ns + this.flush_tlb_func(target, start_ns);
          if (traced) {
            ipi_cpu[nr_now] = target;
            ipi_start_ns[nr_now] = start_ns;
            ipi_handler_ns[nr_now] = handler_ns;
            ipi_flush_at_ns[nr_now] = this.flushed_full ? start_ns : -1;
          } else {
            // Only the tracer tells the vectors apart: untraced, report the interrupt now.
            m.interrupt(target, handler_ns, this.flushed_full ? start_ns : -1, start_ns, IRQ_TLB);
          }
          nr_now++;
        } else {
          handler_ns = this.defer_call(target, start_ns, CALL_IPI);
        }
        const end_ns = start_ns + handler_ns;
        busy[target] = end_ns;
        if (end_ns > this.busy_max_ns) this.busy_max_ns = end_ns;
        nr_ipis++;
        // The initiator spins until the slowest target's acknowledgement reaches it (C8).
        const ack_ns = end_ns + cost.csd_ack_ns + back_ns;
        if (ack_ns > done_ns) done_ns = ack_ns;
      }
    }
    const vector = nr_ipis === 1 ? IRQ_TLB_SINGLE : IRQ_TLB;
    for (let i = 0; traced && i < nr_now; i++) {
      m.interrupt(ipi_cpu[i] as number, ipi_handler_ns[i] as number, ipi_flush_at_ns[i] as number, ipi_start_ns[i] as number, vector);
    }
    if (mask.test(cpu) && (!conditional || this.should_flush_tlb(cpu))) {
      let local_ns: number;
      if (queued_ns < horizon_ns) {
        local_ns = this.local_flush_tlb_func(cpu, queued_ns);
      } else {
        local_ns = this.defer_call(cpu, queued_ns, CALL_LOCAL);
      }
      if (queued_ns + local_ns > done_ns) done_ns = queued_ns + local_ns;
    }
    if (this.open_slot >= 0) this.send_round(vector);
    return this.wait ? done_ns : queued_ns;
  }

  /**
   * A call that runs later, at `start_ns`, as an event: kept in the current request's round
   * (opened at its first such call). Returns its handler time as the target's state now
   * predicts it (with interrupt entry and exit for an IPI of its own).
   */
  private defer_call(target: number, start_ns: number, mode: number): number {
    const rounds = this.rounds ?? (this.rounds = new FlushRounds());
    if (this.open_slot < 0) {
      const slot = (this.open_slot = rounds.open());
      const info = this.info;
      rounds.mm[slot] = info.mm;
      rounds.start_vpn[slot] = info.start_vpn;
      rounds.end_vpn[slot] = info.end_vpn;
      rounds.new_tlb_gen[slot] = info.new_tlb_gen;
      rounds.initiating_cpu[slot] = info.initiating_cpu;
      rounds.freed_tables[slot] = info.freed_tables ? 1 : 0;
      rounds.stride_shift[slot] = info.stride_shift;
    }
    let handler_ns = this.flush_action_ns(this.flush_action(target, mode === CALL_LOCAL));
    if (mode === CALL_IPI) handler_ns += this.m.cost.irq_entry_exit_ns;
    rounds.add(this.open_slot, target, start_ns, handler_ns, mode);
    return handler_ns;
  }

  /** The current request's deferred calls are queued: one event runs them at the first one's time. */
  private send_round(vector: number): void {
    const rounds = this.rounds as FlushRounds;
    const sim = this.m.sim as Simulator;
    const slot = this.open_slot;
    this.open_slot = -1;
    rounds.vector[slot] = vector;
    this.m.tlb_flushes_in_flight++;
    if (this.deliver_kind < 0) this.deliver_kind = sim.register((s) => this.deliver_calls(s));
    sim.schedule(rounds.first_ns(slot), Priority.interrupt, this.deliver_kind, slot);
  }

  /**
   * The calls of a round due now, each on its target as the IPI's handler (or the initiator's
   * own flush_tlb_func), with the request restored from the round; those due before the next
   * other event run too (nothing can come between), the rest wait for another turn of this
   * event at the earliest one's time. When none is left the initiator's wait is over.
   */
  private deliver_calls(slot: number): void {
    const m = this.m;
    const sim = m.sim as Simulator;
    const rounds = this.rounds as FlushRounds;
    const info = this.info;
    info.mm = rounds.mm[slot] as MmContext | null;
    info.start_vpn = rounds.start_vpn[slot] as number;
    info.end_vpn = rounds.end_vpn[slot] as number;
    info.new_tlb_gen = rounds.new_tlb_gen[slot] as number;
    info.initiating_cpu = rounds.initiating_cpu[slot] as number;
    info.freed_tables = rounds.freed_tables[slot] === 1;
    info.stride_shift = rounds.stride_shift[slot] as number;
    const now_ns = sim.now_ns;
    const horizon_ns = sim.next_model_event_ns();
    const base = slot * NR_CPUS_MAX;
    const n = rounds.nr_calls[slot] as number;
    let kept = 0;
    for (let i = base; i < base + n; i++) {
      const start_ns = rounds.start_ns[i] as number;
      const target = rounds.target[i] as number;
      const handler_ns = rounds.handler_ns[i] as number;
      const mode = rounds.mode[i] as number;
      if (start_ns > now_ns && start_ns >= horizon_ns) {
        const j = base + kept++;
        rounds.start_ns[j] = start_ns;
        rounds.target[j] = target;
        rounds.handler_ns[j] = handler_ns;
        rounds.mode[j] = mode;
        continue;
      }
      if (mode === CALL_LOCAL) {
        this.local_flush_tlb_func(target, start_ns);
        continue;
      }
      this.flush_tlb_func(target, start_ns);
      m.interrupt(target, handler_ns, this.flushed_full ? start_ns : -1, start_ns, mode === CALL_QUEUED ? IRQ_TLB_QUEUED : rounds.vector[slot]);
    }
    rounds.nr_calls[slot] = kept;
    if (kept > 0) {
      sim.schedule(rounds.first_ns(slot), Priority.interrupt, this.deliver_kind, slot);
      return;
    }
    rounds.close(slot);
    m.tlb_flushes_in_flight--;
  }

  /**
   * flush_tlb_mm_range (kernel-spec C3): ranges of more than tlb_single_page_flush_ceiling
   * strides (2^stride_shift pages each) become full flushes; bump the mm's generation; IPI the
   * other CPUs of mm_cpumask if there are any, else flush locally if this CPU has the mm
   * loaded. Returns the time the caller continues.
   */
  flush_tlb_mm_range(cpu: number, t_ns: number, mm: MmContext, start_vpn: number, end_vpn: number, stride_shift: number, freed_tables: boolean): number {
    if (end_vpn === TLB_FLUSH_ALL || (end_vpn - start_vpn) >> stride_shift > this.m.tlb_single_page_flush_ceiling) {
      start_vpn = 0;
      end_vpn = TLB_FLUSH_ALL;
    }
    mm.tlb_gen++;
    this.set_info(mm, start_vpn, end_vpn, mm.tlb_gen, cpu, freed_tables);
    this.info.stride_shift = stride_shift;
    if (mm.cpumask.any_but(cpu)) return this.flush_tlb_multi(cpu, t_ns, mm.cpumask);
    if (this.m.loaded_mm[cpu] === mm) return t_ns + this.local_flush_tlb_func(cpu, t_ns);
    return t_ns;
  }

  /**
   * flush_pmd_tlb_range on x86 (6.12): none of its own, so the generic flush_tlb_range — for a
   * non-hugetlb VMA a PAGE_SHIFT stride with freed_tables set (asm/tlbflush.h). 512 pages
   * exceed tlb_single_page_flush_ceiling, so it is a full flush of the mm, lazy CPUs included.
   */
  flush_pmd_tlb_range(cpu: number, t_ns: number, mm: MmContext, start_vpn: number): number {
    return this.flush_tlb_mm_range(cpu, t_ns, mm, start_vpn, start_vpn + PMD_NR_PAGES, 0, true);
  }

  /** arch_flush_tlb_batched_pending (B12): flush_tlb_mm, freed_tables set so lazy CPUs are called too. */
  arch_flush_tlb_batched_pending(cpu: number, t_ns: number, mm: MmContext): number {
    return this.flush_tlb_mm_range(cpu, t_ns, mm, 0, TLB_FLUSH_ALL, 0, true);
  }

  /** arch_tlbbatch_should_defer (B4): defer when any CPU other than this one is in mm_cpumask. */
  arch_tlbbatch_should_defer(mm: MmContext, cpu: number): boolean {
    return mm.cpumask.any_but(cpu);
  }

  /**
   * arch_tlbbatch_add_pending (B6): bump the mm's generation, OR its cpumask into the batch.
   * x86 flushes the whole batch at once, so the unmapped page's address is not kept.
   */
  arch_tlbbatch_add_pending(batch: ArchTlbBatch, mm: MmContext, _vpn: number, _cpu: number, t_ns: number): number {
    const b = batch as X86TlbBatch;
    mm.tlb_gen++;
    b.cpumask.or(mm.cpumask);
    b.unmapped_pages = true;
    return t_ns;
  }

  arch_tlbbatch_reaches_remote(batch: ArchTlbBatch, cpu: number): boolean {
    return (batch as X86TlbBatch).cpumask.any_but(cpu);
  }

  /**
   * arch_tlbbatch_flush (C7): a full flush with no mm and no generation, so every non-lazy CPU
   * of the batch mask gets a call whatever it runs; local only if no other CPU is in the mask.
   * Clears the batch mask.
   */
  arch_tlbbatch_flush(batch: ArchTlbBatch, cpu: number, t_ns: number): number {
    const mask = (batch as X86TlbBatch).cpumask;
    this.set_info(null, 0, TLB_FLUSH_ALL, TLB_GENERATION_INVALID, cpu, false);
    this.info.stride_shift = 0;
    let done_ns = t_ns;
    if (mask.any_but(cpu)) done_ns = this.flush_tlb_multi(cpu, t_ns, mask);
    else if (mask.test(cpu)) done_ns = t_ns + this.local_flush_tlb_func(cpu, t_ns);
    mask.clear_all();
    (batch as X86TlbBatch).unmapped_pages = false;
    return done_ns;
  }
}
