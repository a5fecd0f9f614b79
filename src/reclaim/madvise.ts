import { Yield } from '../engine/simulator.js';
import { BlkPlug } from '../block/blk_mq.js';
import { FolioList, PG_active, PG_lru, PG_referenced, PG_unevictable, PG_workingset } from '../mm/folio.js';
import { PTE_PRESENT, PTRS_PER_PTE, type MmStruct } from '../mm/mm_struct.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { flush_tlb_batched_pending } from './tlb_batch.js';
import { reclaim_pages } from './vmscan.js';

/**
 * do_madvise(MADV_PAGEOUT) over [start_vpn, end_vpn) of `mm` (kernel-spec D1): the whole call
 * runs under one block plug; each VMA in the range is paged out in turn.
 */
export function* do_madvise_pageout(
  k: Kernel,
  rt: ReclaimTask,
  mm: MmStruct,
  start_vpn: number,
  end_vpn: number,
): Generator<Yield, void, void> {
  const plug = new BlkPlug();
  rt.plug = plug;
  for (const vma of mm.vmas) {
    const start = Math.max(start_vpn, vma.start_vpn);
    const end = Math.min(end_vpn, vma.end_vpn);
    if (start < end) yield* madvise_pageout(k, rt, mm, start, end);
  }
  // blk_finish_plug
  if (must_sync(k, rt)) yield Yield.resume;
  k.swap_io.device?.flush_plug(plug, rt.cpu, rt.task.now_ns);
  rt.plug = null;
}

/**
 * madvise_pageout (D2): drain this CPU's LRU batches, then walk the range one PMD at a time.
 * For pageout the mmu_gather gathers nothing, so it issues no flush.
 */
function* madvise_pageout(k: Kernel, rt: ReclaimTask, mm: MmStruct, start: number, end: number): Generator<Yield, void, void> {
  if (must_sync(k, rt)) yield Yield.resume;
  k.pgdat.fbatches.lru_add_drain(rt.cpu);
  for (let pmd_start = start; pmd_start < end; ) {
    const pmd_end = Math.min(end, (Math.floor(pmd_start / PTRS_PER_PTE) + 1) * PTRS_PER_PTE);
    yield* madvise_cold_or_pageout_pte_range(k, rt, mm, pmd_start, pmd_end);
    pmd_start = pmd_end;
  }
}

/**
 * madvise_cold_or_pageout_pte_range (D3), PTE level, pageout: under the PTE lock first
 * flush_tlb_batched_pending (B12); then isolate every present, singly mapped folio on the LRU
 * (clearing PG_referenced, marking active ones workingset), adding each at the head of a
 * private list; then reclaim_pages on that list: one shrink_folio_list per PMD.
 */
function* madvise_cold_or_pageout_pte_range(
  k: Kernel,
  rt: ReclaimTask,
  mm: MmStruct,
  start: number,
  end: number,
): Generator<Yield, void, void> {
  yield* flush_tlb_batched_pending(k, rt, mm);
  if (must_sync(k, rt)) yield Yield.resume;
  const f = k.pgdat.folios;
  const fbatches = k.pgdat.fbatches;
  const folio_list = new FolioList(f);
  const pte_cost_ns = k.machine.cost.madvise_pte_ns;
  for (let vpn = start; vpn < end; vpn++) {
    if (((mm.pte[vpn] as number) & PTE_PRESENT) === 0) continue;
    rt.task.now_ns += pte_cost_ns;
    const pfn = mm.pte_val[vpn] as number;
    if (!f.test(pfn, PG_lru) || f.mapcount[pfn] !== f.nr(pfn)) continue;
    f.clear(pfn, PG_referenced);
    if (f.test(pfn, PG_active)) f.set(pfn, PG_workingset);
    if (!fbatches.folio_isolate_lru(pfn)) continue;
    if (f.test(pfn, PG_unevictable)) {
      fbatches.folio_putback_lru(rt.cpu, pfn);
      continue;
    }
    folio_list.add(pfn);
  }
  if (folio_list.count > 0) yield* reclaim_pages(k, rt, folio_list);
}
