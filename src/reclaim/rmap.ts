import { assert } from '../engine/assert.js';
import { flush_tlb_page } from '../hw/x86_tlb.js';
import { NIL, PG_dirty, PG_swapcache } from '../mm/folio.js';
import {
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_SWAP,
  PTE_SWP_EXCLUSIVE,
  type MmStruct,
} from '../mm/mm_struct.js';
import type { Kernel, ReclaimTask } from './kernel.js';
import { set_tlb_ubc_flush_pending, should_defer_flush } from './tlb_batch.js';

/** The mm and virtual page mapping a private anonymous folio, or null if unmapped. */
function anon_mapping(k: Kernel, pfn: number): MmStruct | null {
  const mm_id = k.pgdat.folios.rmap_mm[pfn] as number;
  if (mm_id === NIL || k.pgdat.folios.mapcount[pfn] === 0) return null;
  return k.pgdat.mms[mm_id] as MmStruct;
}

/**
 * try_to_unmap (mm/rmap.c; kernel-spec B1, B2) for a private anonymous folio in the swap
 * cache, mapped by one PTE: clear the PTE, deferring the flush to the task's batch when
 * should_defer_flush allows (else flush_tlb_page now, local since no other CPU holds the mm);
 * carry PTE-dirty into the folio; install a swap PTE holding a reference to the slot; drop the
 * mapping and its folio reference.
 */
export function try_to_unmap(k: Kernel, rt: ReclaimTask, pfn: number, flags: number): void {
  const mm = anon_mapping(k, pfn);
  if (mm === null) return;
  const f = k.pgdat.folios;
  const vpn = f.rmap_vpn[pfn] as number;
  const pteval = mm.pte[vpn] as number;
  assert((pteval & PTE_PRESENT) !== 0 && mm.pte_val[vpn] === pfn, () => `folio ${pfn}: rmap and PTE disagree`);
  assert(f.test(pfn, PG_swapcache), () => `try_to_unmap of anon folio ${pfn} outside the swap cache`);
  mm.pte[vpn] = 0;
  const deferred = should_defer_flush(mm, rt.cpu, flags);
  if (k.probe !== null) k.probe.pte_cleared(mm, vpn, pfn, pteval, deferred, rt.cpu);
  if (deferred) {
    set_tlb_ubc_flush_pending(rt, mm, pteval);
  } else {
    // ptep_clear_flush: no other CPU has the mm (B4 false), so this is a local flush.
    assert(!mm.context.cpumask.any_but(rt.cpu), 'an immediate reclaim flush would need IPIs');
    rt.task.now_ns = flush_tlb_page(k.machine, rt.cpu, rt.task.now_ns, mm.context, vpn);
  }
  if ((pteval & PTE_DIRTY) !== 0) f.set(pfn, PG_dirty);
  const slot = f.swap[pfn] as number;
  k.pgdat.swap.swap_duplicate(slot);
  mm.pte[vpn] = PTE_SWAP | PTE_SWP_EXCLUSIVE;
  mm.pte_val[vpn] = slot;
  mm.nr_anon_pages--;
  mm.nr_swap_ents++;
  f.mapcount[pfn] = (f.mapcount[pfn] as number) - 1;
  if (!k.mutants.try_to_unmap_leak_ref) f.put(pfn);
}

/**
 * folio_referenced (B9) for a folio mapped by one PTE: the number of mappings whose PTE was
 * young, clearing the accessed bit (on x86 without a flush).
 */
export function folio_referenced(k: Kernel, pfn: number): number {
  const mm = anon_mapping(k, pfn);
  if (mm === null) return 0;
  const vpn = k.pgdat.folios.rmap_vpn[pfn] as number;
  const pteval = mm.pte[vpn] as number;
  if ((pteval & PTE_ACCESSED) === 0) return 0;
  mm.pte[vpn] = pteval & ~PTE_ACCESSED;
  return 1;
}

/** folio_mapped */
export function folio_mapped(k: Kernel, pfn: number): boolean {
  return (k.pgdat.folios.mapcount[pfn] as number) > 0;
}
