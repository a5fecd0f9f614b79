/**
 * The reverse map (mm/rmap.c). rmap_walk dispatches on the kind of folio; here every folio is
 * private anonymous, walked by rmap_walk_anon: the mms its anon_vma lists (the owner and the
 * children forked from it, mm/anon_vma.ts), and in each the page at its index — moved by an
 * mremap or not — mapped by a PTE each, or, for a PMD-mapped THP, by the one PMD over its 512
 * pages (see PTE_PMD; large folios are never shared nor moved). folio_referenced,
 * try_to_unmap and the oracle see each PTE of every mm mapping the folio.
 */
import { assert } from '../engine/assert.js';
import { flush_tlb_page } from '../hw/arch_tlb.js';
import { moved_address } from '../mm/anon_vma.js';
import { HPAGE_PMD_ORDER, NIL, PG_anon, PG_anon_shared, PG_dirty, PG_swapcache } from '../mm/folio.js';
import {
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_PMD,
  PTE_PRESENT,
  PTE_SWAP,
  PTE_SWP_EXCLUSIVE,
  PTRS_PER_PTE,
  type MmStruct,
} from '../mm/mm_struct.js';
import type { Kernel, ReclaimTask } from './kernel.js';
import { lru_gen_look_around } from './lru_gen_look_around.js';
import type { LruGenMmWalk } from './lru_gen_mm_walk.js';
import { set_tlb_ubc_flush_pending, should_defer_flush } from './tlb_batch.js';
import { folio_referenced_file, try_to_unmap_file } from './rmap_file.js';

/**
 * rmap_walk's dispatch (mm/rmap.c): an anonymous folio is walked through its anon rmap
 * (below), a page-cache folio through its file's i_mmap (rmap_file.ts).
 */
function folio_test_anon(k: Kernel, pfn: number): boolean {
  return k.pgdat.folios.test(pfn, PG_anon);
}

/** The mm mapping a private anonymous folio (by its head), or null if unmapped. */
export function anon_mapping(k: Kernel, pfn: number): MmStruct | null {
  const mm_id = k.pgdat.folios.rmap_mm[pfn] as number;
  if (mm_id === NIL || k.pgdat.folios.mapcount[pfn] === 0) return null;
  return k.pgdat.mms[mm_id] as MmStruct;
}

/** Whether page `page` is mapped at `vpn` of `mm` by a PTE (page_vma_mapped_walk's PTE case). */
export function pte_maps(mm: MmStruct, vpn: number, page: number): boolean {
  return vpn !== NIL && ((mm.pte[vpn] as number) & (PTE_PRESENT | PTE_PMD)) === PTE_PRESENT && mm.pte_val[vpn] === page;
}

/**
 * vma_address + page_vma_mapped_walk for page `page` of index `index` in `mm`: the vpn whose
 * PTE maps it — at the index, or where an mremap moved it — or NIL.
 */
export function anon_pte_vpn(mm: MmStruct, index: number, page: number): number {
  if (index === NIL) return NIL;
  if (pte_maps(mm, index, page)) return index;
  const moved = moved_address(mm, index);
  return moved !== index && pte_maps(mm, moved, page) ? moved : NIL;
}

/** folio_entire_mapcount > 0: a PMD maps the folio (only a PMD-sized one can be). */
export function folio_pmd_mapped(k: Kernel, pfn: number): boolean {
  if (k.pgdat.folios.order[pfn] !== HPAGE_PMD_ORDER) return false;
  const mm = anon_mapping(k, pfn);
  if (mm === null) return false;
  const vpn = k.pgdat.folios.rmap_vpn[pfn] as number;
  return ((mm.pte[vpn] as number) & (PTE_PRESENT | PTE_PMD)) === (PTE_PRESENT | PTE_PMD) && mm.pte_val[vpn] === pfn;
}

/**
 * pmdp_test_and_clear_young over the model's PMD: young if any of its slots was accessed
 * (the hardware sets the PMD's one bit); all are cleared.
 */
function pmd_test_and_clear_young(mm: MmStruct, first_vpn: number): boolean {
  let young = false;
  for (let vpn = first_vpn; vpn < first_vpn + PTRS_PER_PTE; vpn++) {
    const pte = mm.pte[vpn] as number;
    if ((pte & PTE_ACCESSED) !== 0) {
      young = true;
      mm.pte[vpn] = pte & ~PTE_ACCESSED;
    }
  }
  return young;
}

/**
 * pmdp_clear_flush_young (6.12: x86 arch/x86/mm/pgtable.c, arm64 mm/pgtable-generic.c;
 * kernel-spec B9), folio_referenced_one's check of a PMD-mapped THP under either LRU: a young
 * PMD is cleared and its 2 MiB flushed at once (flush_pmd_tlb_range; on x86 IPIs to the mm's
 * other CPUs), charged to the reclaimer's clock and its IPI wait. The caller lets the flush's
 * queued calls run (pmd_young_flush_wait) before going on.
 */
function pmdp_clear_flush_young(k: Kernel, rt: ReclaimTask, mm: MmStruct, haddr: number): boolean {
  if (!pmd_test_and_clear_young(mm, haddr)) return false;
  const done_ns = k.machine.arch.flush_pmd_tlb_range(rt.cpu, rt.task.now_ns, mm.context, haddr);
  k.pgdat.vm.sim_ipi_wait_ns += done_ns - rt.task.now_ns;
  rt.task.now_ns = done_ns;
  rt.flushed_young_pmd = true;
  return true;
}

/**
 * try_to_unmap (mm/rmap.c try_to_unmap_one; kernel-spec B1, B2) for a private anonymous folio
 * in the swap cache, by an rmap walk over each PTE mapping one of its pages: clear it,
 * deferring the flush to the task's batch with its address when should_defer_flush allows
 * (else flush_tlb_page now, local since no other CPU holds the mm); carry PTE-dirty into the
 * folio; install a swap PTE holding a reference to the page's slot (the folio's slot + i);
 * drop the mapping and its folio reference. A PMD mapping must have been split first
 * (TTU_SPLIT_HUGE_PMD: the caller runs split_huge_pmd, which may wait for IPIs); one left
 * in place stays mapped. Dropping a large folio's PTEs one at a time leaves it partially
 * mapped in between, but a folio in the swap cache is never queued for deferred split
 * (deferred_split_folio excludes the swap cache), so thp_deferred_split_page does not move.
 */
export function try_to_unmap(k: Kernel, rt: ReclaimTask, pfn: number, flags: number): void {
  if (!folio_test_anon(k, pfn)) return try_to_unmap_file(k, rt, pfn, flags);
  try_to_unmap_anon(k, rt, pfn, flags);
}

/**
 * try_to_unmap's rmap_walk_anon: every mm of the folio's anon_vma in turn, each PTE mapping a
 * page of it. A folio fork shared is unmapped from both processes; each mm's clear adds that
 * mm to the batch (its CPUs become flush targets) and counts a pending flush on it.
 */
function try_to_unmap_anon(k: Kernel, rt: ReclaimTask, pfn: number, flags: number): void {
  const f = k.pgdat.folios;
  const anon_vma = f.rmap_mm[pfn] as number;
  if (anon_vma === NIL || f.mapcount[pfn] === 0) return;
  assert(f.test(pfn, PG_swapcache), () => `try_to_unmap of anon folio ${pfn} outside the swap cache`);
  const owner = k.pgdat.mms[anon_vma] as MmStruct;
  try_to_unmap_mm(k, rt, owner, pfn, flags);
  for (const child of owner.anon_vma_children) try_to_unmap_mm(k, rt, k.pgdat.mms[child] as MmStruct, pfn, flags);
}

/** The PTEs of `mm` mapping a page of the folio `pfn`, each unmapped by try_to_unmap_one. */
function try_to_unmap_mm(k: Kernel, rt: ReclaimTask, mm: MmStruct, pfn: number, flags: number): void {
  const f = k.pgdat.folios;
  const nr = f.nr(pfn);
  for (let page = pfn; page < pfn + nr; page++) {
    const vpn = anon_pte_vpn(mm, f.rmap_vpn[page] as number, page);
    if (vpn !== NIL) try_to_unmap_one(k, rt, mm, vpn, pfn, page, flags);
  }
}

/** try_to_unmap_one's work on one PTE of the folio `pfn`, mapping page `page` at `vpn`. */
function try_to_unmap_one(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, pfn: number, page: number, flags: number): void {
  const f = k.pgdat.folios;
  const pteval = mm.pte[vpn] as number;
  mm.pte[vpn] = 0;
  const deferred = should_defer_flush(k, mm, rt.cpu, flags);
  if (k.probe !== null) k.probe.pte_cleared(mm, vpn, page, pteval, deferred, rt.cpu);
  if (deferred) {
    set_tlb_ubc_flush_pending(k, rt, mm, pteval, vpn);
  } else {
    // ptep_clear_flush: on x86 no other CPU has the mm here (B4 false), so this is a local flush.
    rt.task.now_ns = flush_tlb_page(k.machine, rt.cpu, rt.task.now_ns, mm.context, vpn);
  }
  if ((pteval & PTE_DIRTY) !== 0) f.set(pfn, PG_dirty);
  const slot = f.swap[page] as number;
  k.pgdat.swap.swap_duplicate(slot);
  // An exclusive page's swap PTE says so (pte_swp_mkexclusive); a shared one's does not.
  mm.pte[vpn] = f.test(pfn, PG_anon_shared) ? PTE_SWAP : PTE_SWAP | PTE_SWP_EXCLUSIVE;
  mm.pte_val[vpn] = slot;
  mm.nr_anon_pages--;
  mm.nr_swap_ents++;
  f.mapcount[pfn] = (f.mapcount[pfn] as number) - 1;
  if (!k.mutants.try_to_unmap_leak_ref) f.put(pfn);
}

/**
 * folio_referenced (B9) by an rmap walk: the number of mappings that were young — each PTE
 * of the folio whose accessed bit was set, or the PMD once — clearing the bits (a PTE's on x86
 * without a flush; a young PMD's with one, pmdp_clear_flush_young, charged to `rt`). Under the
 * multi-gen LRU each PTE goes through lru_gen_look_around, which also clears its young
 * neighbours' bits; rt.cpu is the walker's, for the activations it queues, and `walk` the
 * reclaim pass's multi-gen LRU walk, if one is set (lru_gen_mm_walk.ts). The caller must
 * `yield Yield.resume` when pmd_young_flush_wait says so afterwards.
 */
export function folio_referenced(k: Kernel, pfn: number, rt: ReclaimTask, walk: LruGenMmWalk | null = null): number {
  if (!folio_test_anon(k, pfn)) return folio_referenced_file(k, pfn, rt.cpu, walk);
  const mm = anon_mapping(k, pfn);
  if (mm === null) return 0;
  if (folio_pmd_mapped(k, pfn)) return pmdp_clear_flush_young(k, rt, mm, k.pgdat.folios.rmap_vpn[pfn] as number) ? 1 : 0;
  return folio_referenced_anon(k, pfn, rt.cpu, walk);
}

/** folio_referenced's rmap_walk_anon over the PTEs of every mm of the folio's anon_vma. */
function folio_referenced_anon(k: Kernel, pfn: number, cpu: number, walk: LruGenMmWalk | null): number {
  const owner = k.pgdat.mms[k.pgdat.folios.rmap_mm[pfn] as number] as MmStruct;
  let referenced = referenced_in_mm(k, owner, pfn, cpu, walk);
  for (const child of owner.anon_vma_children) referenced += referenced_in_mm(k, k.pgdat.mms[child] as MmStruct, pfn, cpu, walk);
  return referenced;
}

/** The young PTEs of `mm` mapping a page of the folio `pfn`, their accessed bits cleared. */
function referenced_in_mm(k: Kernel, mm: MmStruct, pfn: number, cpu: number, walk: LruGenMmWalk | null): number {
  const f = k.pgdat.folios;
  const nr = f.nr(pfn);
  const lru_gen = k.pgdat.lru_gen_enabled;
  let referenced = 0;
  for (let page = pfn; page < pfn + nr; page++) {
    const vpn = anon_pte_vpn(mm, f.rmap_vpn[page] as number, page);
    if (vpn === NIL) continue;
    if (lru_gen) {
      if (lru_gen_look_around(k, cpu, walk, mm, vpn, pfn)) referenced++;
      continue;
    }
    const pteval = mm.pte[vpn] as number;
    if ((pteval & PTE_ACCESSED) === 0) continue;
    mm.pte[vpn] = pteval & ~PTE_ACCESSED;
    referenced++;
  }
  return referenced;
}

/** folio_mapped */
export function folio_mapped(k: Kernel, pfn: number): boolean {
  return (k.pgdat.folios.mapcount[pfn] as number) > 0;
}
