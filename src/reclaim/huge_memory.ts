/**
 * Splitting large folios and their PMD mappings (mm/huge_memory.c), as reclaim and
 * MADV_PAGEOUT reach them in 6.12.
 */
import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import { flush_tlb_page } from '../hw/arch_tlb.js';
import {
  HPAGE_PMD_ORDER,
  LRU_GEN_MASK,
  LRU_REFS_MASK,
  PG_active,
  PG_anon,
  PG_dirty,
  PG_lru,
  PG_mlocked,
  PG_referenced,
  PG_swapbacked,
  PG_swapcache,
  PG_unevictable,
  PG_uptodate,
  PG_workingset,
  PG_writeback,
  type FolioList,
} from '../mm/folio.js';
import { PTE_ACCESSED, PTE_DIRTY, PTE_PRESENT, PTE_RW, PTRS_PER_PTE, type MmStruct } from '../mm/mm_struct.js';
import { flush_wait, must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { anon_mapping, folio_pmd_mapped, pte_maps } from './rmap.js';
import { set_tlb_ubc_flush_pending, should_defer_flush, try_to_unmap_flush, TTU_BATCH_FLUSH } from './tlb_batch.js';

/** Flags a new folio of a split inherits from the head (__split_huge_page_tail's copy mask, anon subset). */
const SPLIT_INHERITED_FLAGS = PG_referenced | PG_uptodate | PG_dirty | PG_active | PG_workingset | PG_swapcache | PG_swapbacked | PG_unevictable | PG_mlocked | PG_anon
  | LRU_GEN_MASK | LRU_REFS_MASK;

/**
 * split_huge_pmd (__split_huge_pmd_locked, 6.12) of the PMD mapping a THP: pmdp_invalidate
 * clears the PMD and flushes its 2 MiB range at once, not deferred (flush_pmd_tlb_range: on
 * x86 the generic flush_tlb_range, 4 KiB stride with freed_tables, so past the single-page
 * ceiling a full flush of the mm, IPIs to its other CPUs, lazy ones included; on arm64 one
 * TLBI with PMD stride and a DSB), then 512 PTEs take its
 * place, each accessed and dirty if the PMD was (a dirty PMD also dirties the folio). The
 * PMD's one folio reference and mapping become one per PTE. THP_SPLIT_PMD.
 */
export function* split_huge_pmd(k: Kernel, rt: ReclaimTask, mm: MmStruct, pfn: number): Generator<Yield, void, void> {
  const f = k.pgdat.folios;
  const haddr = f.rmap_vpn[pfn] as number;
  assert(folio_pmd_mapped(k, pfn), () => `split_huge_pmd of folio ${pfn} not PMD-mapped`);
  if (must_sync(k, rt)) yield Yield.resume;
  const task = rt.task;
  const done_ns = k.machine.arch.flush_pmd_tlb_range(rt.cpu, task.now_ns, mm.context, haddr);
  k.pgdat.vm.sim_ipi_wait_ns += done_ns - task.now_ns;
  task.now_ns = done_ns;
  if (flush_wait(k, rt)) yield Yield.resume;
  task.now_ns += k.machine.cost.split_huge_pmd_ns;
  let bits = 0;
  for (let vpn = haddr; vpn < haddr + PTRS_PER_PTE; vpn++) bits |= (mm.pte[vpn] as number) & (PTE_ACCESSED | PTE_DIRTY | PTE_RW);
  for (let vpn = haddr; vpn < haddr + PTRS_PER_PTE; vpn++) mm.pte[vpn] = PTE_PRESENT | bits;
  if ((bits & PTE_DIRTY) !== 0) f.set(pfn, PG_dirty);
  f.mapcount[pfn] = PTRS_PER_PTE;
  f.ref_add(pfn, PTRS_PER_PTE - 1);
  k.pgdat.thp.thp_split_pmd++;
}

/**
 * unmap_folio before a split (6.12): try_to_migrate with TTU_SPLIT_HUGE_PMD | TTU_BATCH_FLUSH
 * turns a PMD mapping into PTEs (split_huge_pmd, its own flush) and each PTE into a migration
 * entry, the flush deferred with its address; then try_to_unmap_flush — which also flushes
 * whatever the task had pending. remap_page puts the same PTEs back after the split. The
 * model keeps the PTEs in place meanwhile (it has no migration entries: a thread touching
 * the folio during the split is not made to wait) and charges the unmap's flushes.
 */
function* unmap_folio(k: Kernel, rt: ReclaimTask, pfn: number): Generator<Yield, void, void> {
  const mm = anon_mapping(k, pfn);
  if (mm === null) return;
  if (folio_pmd_mapped(k, pfn)) {
    // split_huge_pmd_address(freeze): the PMD becomes migration entries directly.
    yield* split_huge_pmd(k, rt, mm, pfn);
    return;
  }
  const f = k.pgdat.folios;
  const nr = f.nr(pfn);
  for (let page = pfn; page < pfn + nr; page++) {
    const vpn = f.rmap_vpn[page] as number;
    if (!pte_maps(mm, vpn, page)) continue;
    const pteval = mm.pte[vpn] as number;
    if ((pteval & PTE_DIRTY) !== 0) f.set(pfn, PG_dirty);
    if (should_defer_flush(k, mm, rt.cpu, TTU_BATCH_FLUSH)) set_tlb_ubc_flush_pending(k, rt, mm, pteval, vpn);
    else rt.task.now_ns = flush_tlb_page(k.machine, rt.cpu, rt.task.now_ns, mm.context, vpn);
  }
  yield* try_to_unmap_flush(k, rt);
}

/**
 * split_folio_to_list (split_huge_page_to_list_to_order to order 0, 6.12) of a locked large
 * anonymous folio the caller holds one reference to (its isolation, or a folio_get): fails
 * (false, THP_SPLIT_PAGE_FAILED not modelled) under writeback or when someone else holds a
 * reference (can_split_folio); else unmaps it (unmap_folio), splits it into order-0 folios
 * that inherit the head's flags, memcg and swap slots (page i keeps slot + i), and remaps
 * them. Each new folio is referenced by its mapping and its swap-cache entry; the head keeps
 * the caller's reference and its lock. When the head is on an LRU list, the new folios are
 * put beside it, on the newer side, page 1 nearest (lru_add_split_folio); when it is isolated,
 * they go to the tail of `list` with a reference each, page 1 last, so shrink_folio_list
 * meets them next in page order. THP_SPLIT_PAGE for a PMD-sized folio, the order's
 * mTHP `split` stat.
 */
export function* split_folio_to_list(k: Kernel, rt: ReclaimTask, pfn: number, list: FolioList | null): Generator<Yield, boolean, void> {
  const pgdat = k.pgdat;
  const f = pgdat.folios;
  const order = f.order[pfn] as number;
  const nr = 1 << order;
  assert(order > 0 && f.folio_head(pfn) === pfn, () => `split of ${pfn}, not the head of a large folio`);
  if (f.test(pfn, PG_writeback)) return false;
  const swapcache = f.test(pfn, PG_swapcache);
  const extra_pins = swapcache ? nr : 0;
  // can_split_folio: the mappings, the swap cache and the caller's pin, nothing more.
  if ((f.mapcount[pfn] as number) !== (f.refcount[pfn] as number) - extra_pins - 1) return false;
  yield* unmap_folio(k, rt, pfn);
  rt.task.now_ns += nr * k.machine.cost.split_page_ns;
  const mm = anon_mapping(k, pfn);
  const on_lru = f.test(pfn, PG_lru);
  const lru_list = on_lru ? pgdat.fbatches.folio_lruvec(pfn).folio_list(pfn) : null;
  assert(on_lru || list !== null, () => `split of isolated folio ${pfn} without a list for its pages`);
  // The head shrinks to one page on its list.
  if (lru_list !== null) lru_list.pages -= nr - 1;
  const inherited = (f.flags[pfn] as number) & SPLIT_INHERITED_FLAGS;
  const memcg = f.memcg[pfn] as number;
  let head_mapped = 0;
  for (let page = pfn; page < pfn + nr; page++) {
    f.order[page] = 0;
    const mapped = mm !== null && pte_maps(mm, f.rmap_vpn[page] as number, page) ? 1 : 0;
    if (page === pfn) {
      head_mapped = mapped;
      continue;
    }
    f.flags[page] = inherited | (on_lru ? PG_lru : 0);
    // A new folio in the head's generation sits on the head's generation list (sizes are in pages: unchanged).
    if (f.has_lrugen_list) f.lrugen_list[page] = f.lrugen_list[pfn] as number;
    f.memcg[page] = memcg;
    f.mapcount[page] = mapped;
    f.refcount[page] = mapped + (swapcache ? 1 : 0) + (on_lru ? 0 : 1);
    assert((f.refcount[page] as number) > 0, () => `split left page ${page} unreferenced`);
  }
  f.mapcount[pfn] = head_mapped;
  f.refcount[pfn] = 1 + head_mapped + (swapcache ? 1 : 0);
  if (lru_list !== null) {
    let pos = pfn;
    for (let page = pfn + 1; page < pfn + nr; page++) {
      lru_list.add_before(pos, page);
      pos = page;
    }
  } else if (list !== null) {
    for (let page = pfn + nr - 1; page > pfn; page--) list.add_tail(page);
  }
  if (order === HPAGE_PMD_ORDER) pgdat.thp.thp_split_page++;
  pgdat.mthp.count(order, 'split');
  if (k.probe !== null) k.probe.folio_split(pfn, nr);
  return true;
}

/** split_folio: split_folio_to_list without a list (the folio is on an LRU list). */
export function split_folio(k: Kernel, rt: ReclaimTask, pfn: number): Generator<Yield, boolean, void> {
  return split_folio_to_list(k, rt, pfn, null);
}
