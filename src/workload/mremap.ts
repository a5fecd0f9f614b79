/**
 * mremap of part of a private anonymous region to another address of the same mm
 * (mm/mremap.c move_vma → move_page_tables → move_ptes), order-0 pages. The mmap lock is
 * held for writing: the region's accessors stay off the range while it moves (racer.ts).
 */
import { Yield } from '../engine/simulator.js';
import { NIL } from '../mm/folio.js';
import { anon_vma_moved } from '../mm/anon_vma.js';
import { PMD_SHIFT_PAGES, PTE_PRESENT, PTRS_PER_PTE, type MmStruct } from '../mm/mm_struct.js';
import { flush_wait, must_sync, type Kernel, type ReclaimTask } from '../reclaim/kernel.js';
import { flush_tlb_batched_pending } from '../reclaim/tlb_batch.js';
import { zap_pte } from './zap.js';

/**
 * move_page_tables of `nr` pages from `old_start` to `new_start`, one extent at a time that
 * stays inside one PMD on both sides (get_extent). move_ptes per extent: under the PTE
 * lock(s), flush_tlb_batched_pending (kernel-spec B12: reclaim may have cleared PTEs of this
 * range without flushing them yet, and once they are moved nothing else would); then each
 * PTE, present or swap, is cleared at the old address and set at the new one; and if a
 * present one was moved, flush_tlb_range over the old extent before the lock is dropped. A
 * range of swap PTEs only is not flushed. Each folio keeps its index (page->index) and the mm
 * records the move (the new VMA's vm_pgoff; anon_vma.ts), so the rmap finds the page at its
 * new address.
 */
export function* move_page_tables(k: Kernel, rt: ReclaimTask, mm: MmStruct, old_start: number, new_start: number, nr: number): Generator<Yield, void, void> {
  const cost = k.machine.cost;
  for (let done = 0; done < nr; ) {
    const old_addr = old_start + done;
    const new_addr = new_start + done;
    const extent = Math.min(nr - done, PTRS_PER_PTE - (old_addr % PTRS_PER_PTE), PTRS_PER_PTE - (new_addr % PTRS_PER_PTE));
    if (must_sync(k, rt)) yield Yield.resume;
    yield* flush_tlb_batched_pending(k, rt, mm);
    let force_flush = false;
    const displaced: number[] = [];
    for (let i = 0; i < extent; i++) {
      const pte = mm.pte[old_addr + i] as number;
      if (pte === 0) continue;
      rt.task.now_ns += cost.move_pte_ns;
      const val = mm.pte_val[old_addr + i] as number;
      mm.pte[old_addr + i] = 0;
      mm.pte_val[old_addr + i] = 0;
      if ((pte & PTE_PRESENT) !== 0) force_flush = true;
      if (mm.pte[new_addr + i] !== 0) {
        // A fault the model let run beside the call (it has no mmap lock) mapped the destination: unmapped first, as MREMAP_FIXED's do_munmap would.
        const pfn = zap_pte(k, rt, mm, new_addr + i);
        if (pfn !== NIL) displaced.push(pfn);
      }
      mm.pte[new_addr + i] = pte;
      mm.pte_val[new_addr + i] = val;
      // The destination PMD has a PTE table now (move_page_tables' pte_alloc; its memcg charge
      // is not modelled): the multi-gen LRU walk must find these PTEs.
      mm.pte_table[(new_addr + i) >>> PMD_SHIFT_PAGES] = 1;
      anon_vma_moved(mm, old_addr + i, new_addr + i);
      if (k.probe !== null) k.probe.pte_moved(mm, old_addr + i, new_addr + i, val, pte, rt.cpu);
    }
    if (force_flush && !k.mutants.mremap_skips_flush) {
      if (must_sync(k, rt)) yield Yield.resume;
      rt.task.now_ns = k.machine.arch.flush_tlb_mm_range(rt.cpu, rt.task.now_ns, mm.context, old_addr, old_addr + extent, 0, false);
      if (flush_wait(k, rt)) yield Yield.resume;
    }
    if (displaced.length > 0) {
      if (must_sync(k, rt)) yield Yield.resume;
      rt.task.now_ns = k.machine.arch.flush_tlb_mm_range(rt.cpu, rt.task.now_ns, mm.context, new_addr, new_addr + extent, 0, false);
      if (flush_wait(k, rt)) yield Yield.resume;
      for (const pfn of displaced) k.pgdat.fbatches.folio_put(pfn);
    }
    done += extent;
  }
}
