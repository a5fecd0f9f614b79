import { NR_CPUS_MAX, type Cpumask } from './cpumask.js';
import type { Machine, MmContext } from './machine.js';
import { IRQ_TLB, IRQ_TLB_QUEUED, IRQ_TLB_SINGLE, TLB_FLUSH_ALL_PAGES, TLB_LOCAL_MM_SHOOTDOWN, TLB_LOCAL_SHOOTDOWN, TLB_REMOTE_SEND_IPI, TLB_REMOTE_SHOOTDOWN } from './tracer.js';

/** Marks a flush of the whole address space (TLB_FLUSH_ALL). */
export const TLB_FLUSH_ALL = -1;
/** TLB_GENERATION_INVALID: a flush request that does not name a generation (batched flushes). */
export const TLB_GENERATION_INVALID = 0;

/** struct flush_tlb_info: one flush request, reused (the kernel keeps one per CPU). */
interface FlushTlbInfo {
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

/**
 * Set by flush_tlb_func when it dropped the CPU's user TLB entries with a full flush, so the
 * caller can tell the CPU's listener in the same interrupt report.
 */
let flushed_full = false;

const info: FlushTlbInfo = {
  mm: null,
  start_vpn: 0,
  end_vpn: TLB_FLUSH_ALL,
  new_tlb_gen: TLB_GENERATION_INVALID,
  initiating_cpu: 0,
  freed_tables: false,
  stride_shift: 0,
};

/**
 * flush_tlb_func (arch/x86/mm/tlb.c), run on `cpu` at `at_ns`; kernel-spec C9. Counts a remote
 * call in the CPU's TLB row before any early return; a lazy CPU switches to init_mm (leaving
 * the mm's cpumask); a partial flush (INVLPG per page) only when this request is exactly the
 * next and latest generation, else a full flush. Returns the work in ns.
 */
function flush_tlb_func(m: Machine, cpu: number, at_ns: number): number {
  const cost = m.cost;
  flushed_full = false;
  const local = cpu === info.initiating_cpu;
  const loaded = m.loaded_mm[cpu] as MmContext | null;
  let work_ns = cost.flush_tlb_func_ns;
  if (!local) {
    m.irq_tlb_count[cpu] = (m.irq_tlb_count[cpu] as number) + 1;
    m.vm_events.nr_tlb_remote_flush_received++;
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
    trace_flush(m, cpu, at_ns, local, 0);
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
    if (local) m.vm_events.nr_tlb_local_flush_one += pages;
    trace_flush(m, cpu, at_ns, local, pages);
  } else {
    work_ns += cost.tlb_flush_full_ns;
    m.tlb.flush_all(cpu);
    flushed_full = true;
    if (local) m.vm_events.nr_tlb_local_flush_all++;
    trace_flush(m, cpu, at_ns, local, TLB_FLUSH_ALL_PAGES);
  }
  m.local_tlb_gen[cpu] = mm_gen;
  return work_ns;
}

/** The tlb:tlb_flush event at the end of flush_tlb_func ("done:"), when a tracer listens. */
function trace_flush(m: Machine, cpu: number, at_ns: number, local: boolean, pages: number): void {
  if (m.tracer === null) return;
  const reason = !local ? TLB_REMOTE_SHOOTDOWN : info.mm === null ? TLB_LOCAL_SHOOTDOWN : TLB_LOCAL_MM_SHOOTDOWN;
  m.tracer.tlb_flush(cpu, at_ns, reason, pages);
}

/** flush_tlb_func run by the initiator on itself (no interrupt): tells the CPU's listener of a full flush. */
function local_flush_tlb_func(m: Machine, cpu: number, at_ns: number): number {
  const work_ns = flush_tlb_func(m, cpu, at_ns);
  if (flushed_full) m.user_tlb_flushed(cpu, at_ns);
  return work_ns;
}

/** should_flush_tlb (kernel-spec C6): lazy CPUs are skipped; a request without an mm goes everywhere else. */
function should_flush_tlb(m: Machine, cpu: number): boolean {
  if (m.is_lazy[cpu] === 1) return false;
  if (info.mm === null) return true;
  return m.loaded_mm[cpu] === info.mm;
}

/** The targets of one flush_tlb_multi that get an interrupt, reported once the vector is known. */
const ipi_cpu = new Int32Array(NR_CPUS_MAX);
const ipi_start_ns = new Float64Array(NR_CPUS_MAX);
const ipi_handler_ns = new Float64Array(NR_CPUS_MAX);
const ipi_flush_at_ns = new Float64Array(NR_CPUS_MAX);

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
 */
function flush_tlb_multi(m: Machine, cpu: number, t_ns: number, mask: Cpumask): number {
  const cost = m.cost;
  m.vm_events.nr_tlb_remote_flush++;
  if (m.tracer !== null) {
    m.tracer.tlb_flush(cpu, t_ns, TLB_REMOTE_SEND_IPI, info.end_vpn === TLB_FLUSH_ALL ? TLB_FLUSH_ALL_PAGES : (info.end_vpn - info.start_vpn) >> info.stride_shift);
  }
  let queued_ns = t_ns + cost.ipi_send_ns;
  let done_ns = queued_ns;
  const conditional = !info.freed_tables;
  const words = mask.bits;
  let nr_ipis = 0;
  // Walk the set bits of the mask in ascending CPU order.
  for (let word_index = 0; word_index < words.length; word_index++) {
    let word = words[word_index] as number;
    while (word !== 0) {
      const bit = 31 - Math.clz32(word & -word);
      word = (word & (word - 1)) >>> 0;
      const target = word_index * 32 + bit;
      if (target === cpu) continue;
      if (conditional && !should_flush_tlb(m, target)) continue;
      queued_ns += cost.ipi_send_per_target_ns;
      const busy_until = m.csd_busy_until_ns[target] as number;
      if (busy_until > queued_ns) {
        // The target is still running earlier calls: this one rides along, no new interrupt.
        const handler_ns = flush_tlb_func(m, target, busy_until);
        const end_ns = busy_until + handler_ns;
        m.csd_busy_until_ns[target] = end_ns;
        m.interrupt(target, handler_ns, flushed_full ? busy_until : -1, busy_until, IRQ_TLB_QUEUED);
        if (end_ns + cost.csd_ack_ns > done_ns) done_ns = end_ns + cost.csd_ack_ns;
        continue;
      }
      m.irq_call_count[target] = (m.irq_call_count[target] as number) + 1;
      const start_ns = queued_ns + cost.ipi_delivery_ns;
      const handler_ns = cost.irq_entry_exit_ns + flush_tlb_func(m, target, start_ns);
      const end_ns = start_ns + handler_ns;
      m.csd_busy_until_ns[target] = end_ns;
      ipi_cpu[nr_ipis] = target;
      ipi_start_ns[nr_ipis] = start_ns;
      ipi_handler_ns[nr_ipis] = handler_ns;
      ipi_flush_at_ns[nr_ipis] = flushed_full ? start_ns : -1;
      nr_ipis++;
      if (end_ns + cost.csd_ack_ns > done_ns) done_ns = end_ns + cost.csd_ack_ns;
    }
  }
  const vector = nr_ipis === 1 ? IRQ_TLB_SINGLE : IRQ_TLB;
  for (let i = 0; i < nr_ipis; i++) {
    m.interrupt(ipi_cpu[i] as number, ipi_handler_ns[i] as number, ipi_flush_at_ns[i] as number, ipi_start_ns[i] as number, vector);
  }
  if (mask.test(cpu) && (!conditional || should_flush_tlb(m, cpu))) {
    const local_end_ns = queued_ns + local_flush_tlb_func(m, cpu, queued_ns);
    if (local_end_ns > done_ns) done_ns = local_end_ns;
  }
  return done_ns;
}

function set_info(
  mm: MmContext | null,
  start_vpn: number,
  end_vpn: number,
  new_tlb_gen: number,
  cpu: number,
  freed_tables: boolean,
): void {
  info.mm = mm;
  info.start_vpn = start_vpn;
  info.end_vpn = end_vpn;
  info.new_tlb_gen = new_tlb_gen;
  info.initiating_cpu = cpu;
  info.freed_tables = freed_tables;
}

/**
 * flush_tlb_mm_range (kernel-spec C3): ranges of more than tlb_single_page_flush_ceiling
 * strides (2^stride_shift pages each) become full flushes; bump the mm's generation; IPI the
 * other CPUs of mm_cpumask if there are any, else flush locally if this CPU has the mm
 * loaded. Returns the time the caller continues.
 */
export function flush_tlb_mm_range(
  m: Machine,
  cpu: number,
  t_ns: number,
  mm: MmContext,
  start_vpn: number,
  end_vpn: number,
  freed_tables: boolean,
  stride_shift = 0,
): number {
  if (end_vpn === TLB_FLUSH_ALL || (end_vpn - start_vpn) >> stride_shift > m.tlb_single_page_flush_ceiling) {
    start_vpn = 0;
    end_vpn = TLB_FLUSH_ALL;
  }
  mm.tlb_gen++;
  set_info(mm, start_vpn, end_vpn, mm.tlb_gen, cpu, freed_tables);
  info.stride_shift = stride_shift;
  if (mm.cpumask.any_but(cpu)) return flush_tlb_multi(m, cpu, t_ns, mm.cpumask);
  if (m.loaded_mm[cpu] === mm) return t_ns + local_flush_tlb_func(m, cpu, t_ns);
  return t_ns;
}

/** flush_tlb_mm (C4): the whole mm, freed_tables set, so lazy CPUs are called too. */
export function flush_tlb_mm(m: Machine, cpu: number, t_ns: number, mm: MmContext): number {
  return flush_tlb_mm_range(m, cpu, t_ns, mm, 0, TLB_FLUSH_ALL, true);
}

/** flush_tlb_page (C5): one page, freed_tables clear; what a non-deferred reclaim unmap uses. */
export function flush_tlb_page(m: Machine, cpu: number, t_ns: number, mm: MmContext, vpn: number): number {
  return flush_tlb_mm_range(m, cpu, t_ns, mm, vpn, vpn + 1, false);
}

/** arch_tlbbatch_should_defer (B4): defer when any CPU other than this one is in mm_cpumask. */
export function arch_tlbbatch_should_defer(mm: MmContext, cpu: number): boolean {
  return mm.cpumask.any_but(cpu);
}

/**
 * arch_tlbbatch_add_pending (B6): bump the mm's generation, OR its cpumask into the batch.
 * x86 flushes the whole batch at once, so the unmapped page's address is not kept.
 */
export function arch_tlbbatch_add_pending(batch_mask: Cpumask, mm: MmContext, _vpn: number): void {
  mm.tlb_gen++;
  batch_mask.or(mm.cpumask);
}

/**
 * arch_tlbbatch_flush (C7): a full flush with no mm and no generation, so every non-lazy CPU
 * of the batch mask gets a call whatever it runs; local only if no other CPU is in the mask.
 * Clears the batch mask.
 */
export function arch_tlbbatch_flush(m: Machine, cpu: number, t_ns: number, batch_mask: Cpumask): number {
  set_info(null, 0, TLB_FLUSH_ALL, TLB_GENERATION_INVALID, cpu, false);
  info.stride_shift = 0;
  let done_ns = t_ns;
  if (batch_mask.any_but(cpu)) done_ns = flush_tlb_multi(m, cpu, t_ns, batch_mask);
  else if (batch_mask.test(cpu)) done_ns = t_ns + local_flush_tlb_func(m, cpu, t_ns);
  batch_mask.clear_all();
  return done_ns;
}
