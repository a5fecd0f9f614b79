/**
 * The unmap and protection changes a thread of the process can make to memory reclaim is
 * working on (mm/memory.c zap_pte_range, mm/mprotect.c change_pte_range), for order-0
 * private anonymous pages. Both take the PTE lock per PMD and begin with
 * flush_tlb_batched_pending (kernel-spec B12): reclaim may have cleared PTEs of this mm
 * without flushing yet, and once the operation returns no CPU may keep such a translation.
 * The mmap lock is not modelled: faults of the range may run beside the operation.
 */
import { Yield } from '../engine/simulator.js';
import { NIL, PG_anon_shared, PG_dirty } from '../mm/folio.js';
import { PTE_DIRTY, PTE_PRESENT, PTE_RW, PTE_SWAP, PTRS_PER_PTE, type MmStruct } from '../mm/mm_struct.js';
import { flush_wait, must_sync, type Kernel, type ReclaimTask } from '../reclaim/kernel.js';
import { flush_tlb_batched_pending } from '../reclaim/tlb_batch.js';

/** The end of the PMD holding `vpn`, capped at `end`. */
function pmd_end(vpn: number, end: number): number {
  return Math.min(end, (Math.floor(vpn / PTRS_PER_PTE) + 1) * PTRS_PER_PTE);
}

/**
 * zap_page_range_single / unmap_region over [start, end) (MADV_DONTNEED; munmap): per PMD,
 * under the PTE lock, flush_tlb_batched_pending, then clear every PTE — a present one drops
 * its mapping (carrying the dirty bit into the folio) and its page is gathered; a swap PTE
 * drops its slot reference (free_swap_and_cache; a swap-cache folio left without users is
 * left to reclaim, as a failed trylock would). Then tlb_finish_mmu: flush the gathered range
 * (all of it when page tables were freed, `freed_tables`: lazy CPUs too) and only then put
 * the gathered pages, freeing those whose last reference that was. From the zap on, the
 * pages read as zero (a later fault maps a new zeroed page).
 */
export function* zap_page_range(k: Kernel, rt: ReclaimTask, mm: MmStruct, start: number, end: number, freed_tables: boolean): Generator<Yield, void, void> {
  const cost = k.machine.cost;
  const gathered: number[] = [];
  let tlb_start = end;
  let tlb_end = start;
  for (let pmd = start; pmd < end; pmd = pmd_end(pmd, end)) {
    if (must_sync(k, rt)) yield Yield.resume;
    yield* flush_tlb_batched_pending(k, rt, mm);
    for (let vpn = pmd; vpn < pmd_end(pmd, end); vpn++) {
      if (mm.pte[vpn] === 0) continue;
      rt.task.now_ns += cost.zap_pte_ns;
      const pfn = zap_pte(k, rt, mm, vpn);
      if (pfn === NIL) continue;
      gathered.push(pfn);
      tlb_start = Math.min(tlb_start, vpn);
      tlb_end = Math.max(tlb_end, vpn + 1);
    }
  }
  if (freed_tables || gathered.length > 0) {
    if (must_sync(k, rt)) yield Yield.resume;
    const [from, to] = freed_tables ? [start, end] : [tlb_start, tlb_end];
    rt.task.now_ns = k.machine.arch.flush_tlb_mm_range(rt.cpu, rt.task.now_ns, mm.context, from, to, 0, freed_tables);
    if (flush_wait(k, rt)) yield Yield.resume;
  }
  for (const pfn of gathered) k.pgdat.fbatches.folio_put(pfn);
}

/**
 * zap_pte_range's work on one PTE that is not none: clear it; a present one drops its mapping
 * (carrying the dirty bit into the folio) and returns its page for the caller to put after
 * its flush; a swap PTE drops its slot reference (NIL returned). The page reads as zero from
 * now on.
 */
export function zap_pte(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number): number {
  const f = k.pgdat.folios;
  const pte = mm.pte[vpn] as number;
  const val = mm.pte_val[vpn] as number;
  mm.pte[vpn] = 0;
  mm.pte_val[vpn] = 0;
  if ((pte & PTE_PRESENT) !== 0) {
    if (k.probe !== null) k.probe.pte_cleared(mm, vpn, val, pte, false, rt.cpu);
    if ((pte & PTE_DIRTY) !== 0) f.set(val, PG_dirty);
    f.mapcount[val] = (f.mapcount[val] as number) - 1;
    mm.nr_anon_pages--;
    if (k.probe !== null) k.probe.page_discarded(mm, vpn, val);
    return val;
  }
  if ((pte & PTE_SWAP) !== 0) {
    k.pgdat.swap.swap_free(val);
    mm.nr_swap_ents--;
    if (k.probe !== null) k.probe.page_discarded(mm, vpn, NIL);
  }
  return NIL;
}

/**
 * change_protection over [start, end) (mprotect): per PMD, under the PTE lock,
 * flush_tlb_batched_pending, then set or clear the write bit of every present PTE (x86 keeps
 * the dirty bit; swap PTEs keep theirs until faulted in). If any PTE changed, flush the range
 * (flush_tlb_range, via the mmu_gather). Making pages writable again sets the bit on every
 * present PTE of an exclusive page; a page fork shared stays write-protected (its write
 * takes do_wp_page).
 */
export function* change_protection(k: Kernel, rt: ReclaimTask, mm: MmStruct, start: number, end: number, writable: boolean): Generator<Yield, void, void> {
  const cost = k.machine.cost;
  let pages = 0;
  for (let pmd = start; pmd < end; pmd = pmd_end(pmd, end)) {
    if (must_sync(k, rt)) yield Yield.resume;
    yield* flush_tlb_batched_pending(k, rt, mm);
    for (let vpn = pmd; vpn < pmd_end(pmd, end); vpn++) {
      const pte = mm.pte[vpn] as number;
      if ((pte & PTE_PRESENT) === 0) continue;
      rt.task.now_ns += cost.change_pte_ns;
      // A page fork shared stays write-protected: only an exclusive one may be made writable
      // (can_change_pte_writable); a write to it takes do_wp_page.
      if (writable && k.pgdat.folios.test(mm.pte_val[vpn] as number, PG_anon_shared)) continue;
      const changed = writable ? pte | PTE_RW : pte & ~PTE_RW;
      if (changed === pte) continue;
      mm.pte[vpn] = changed;
      pages++;
    }
  }
  if (pages > 0) {
    if (must_sync(k, rt)) yield Yield.resume;
    rt.task.now_ns = k.machine.arch.flush_tlb_mm_range(rt.cpu, rt.task.now_ns, mm.context, start, end, 0, false);
    if (flush_wait(k, rt)) yield Yield.resume;
  }
}
