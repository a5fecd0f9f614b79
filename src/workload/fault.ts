import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import { TLB_DIRTY, TLB_WRITABLE, tlb_entry_flags, tlb_entry_pfn } from '../hw/tlb.js';
import { page_index } from '../mm/anon_vma.js';
import { HPAGE_PMD_ORDER, NIL, PG_anon, PG_anon_shared, PG_locked, PG_swapbacked, PG_swapcache, PG_uptodate } from '../mm/folio.js';
import { PMD_SHIFT_PAGES, PTE_ACCESSED, PTE_DIRTY, PTE_PMD, PTE_PRESENT, PTE_RW, PTE_SWAP, PTE_SWP_EXCLUSIVE, type MmStruct } from '../mm/mm_struct.js';
import { do_wp_page, write_protected } from './cow.js';
import { SWAP_HAS_CACHE } from '../mm/swap.js';
import { mem_cgroup_uncharge } from '../mm/memcontrol.js';
import { folio_lock, must_sync, type Kernel, type ReclaimTask } from '../reclaim/kernel.js';

export { folio_lock } from '../reclaim/kernel.js';
import { mem_cgroup_charge, mem_cgroup_charge_fast, mem_cgroup_charge_nowait, memcg_charge_anon_vma, memcg_charge_pagetable } from '../reclaim/memcg_charge.js';
import { zone_watermark_ok } from '../mm/zone.js';
import { alloc_pages_fast, alloc_pages_slowpath } from '../reclaim/page_alloc.js';
import { do_file_fault, do_file_wp_fault, file_vma_at, file_wp_fault } from './filemap_fault.js';


/** A bound on the write-protect faults of one access (each a flusher's folio_mkclean in between). */
const FILE_WP_RETRIES_MAX = 1_000_000;

/** vm_fault_t bits: the fault could not get memory (the task was OOM-killed). */
export const VM_FAULT_OOM = 0x1;
/** vm_fault_t bits: the fault read from the swap device. */
export const VM_FAULT_MAJOR = 0x4;
/** do_swap_page result asking handle_mm_fault to look at the PTE again. */
const VM_FAULT_RETRY_PTE = 0;

/**
 * One explicit user access by the task on its CPU. A cached translation serves it — a write
 * needs a cached dirty entry (B7), and then reaches the page frame the entry names even if
 * the PTE is gone (a stale translation) — else a page walk sets the PTE's accessed (and
 * dirty) bit and fills the TLB, faulting first when the PTE is not present. Returns 0, or
 * VM_FAULT_OOM when the fault could not get memory (the access did not happen).
 */
export function* access(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, write: boolean): Generator<Yield, number, void> {
  const cached = k.machine.tlb.lookup(rt.cpu, mm.id, vpn);
  if (cached >= 0 && (!write || (tlb_entry_flags(cached) & TLB_DIRTY) !== 0)) {
    user_access(k, rt, mm, vpn, tlb_entry_pfn(cached), write);
    return 0;
  }
  if (cached >= 0 && k.probe !== null) k.probe.clean_entry_written(rt.cpu);
  rt.task.now_ns += k.machine.cost.tlb_miss_walk_ns;
  let faulted = false;
  if (((mm.pte[vpn] as number) & PTE_PRESENT) === 0) {
    const fault = yield* handle_mm_fault(k, rt, mm, vpn, write);
    if ((fault & VM_FAULT_OOM) !== 0) return fault;
    faulted = true;
  }
  // A write to a file page mapped read-only: MAP_PRIVATE, or MAP_SHARED under write-notify —
  // also right after a fault that mapped it writable, if the flusher's folio_mkclean
  // write-protected it while the fault slept (in balance_dirty_pages): the write faults again.
  for (let retry = 0; write && mm.has_file_vmas && ((mm.pte[vpn] as number) & PTE_PRESENT) !== 0 && file_wp_fault(mm, vpn); retry++) {
    assert(retry < FILE_WP_RETRIES_MAX, () => `write to vpn ${vpn} of mm ${mm.id} never finds it writable`);
    const fault = yield* do_file_wp_fault(k, rt, mm, vpn);
    if ((fault & VM_FAULT_OOM) !== 0) return fault;
    // Reclaim unmapped the page while the fault waited for memory: the access faults anew.
    if (((mm.pte[vpn] as number) & PTE_PRESENT) === 0) return yield* access(k, rt, mm, vpn, write);
  }
  // A write to a page fork shared (or a swap-in mapped shared) takes the write-protect fault
  // (within the same fault when do_swap_page just mapped it read-only).
  while (write && write_protected(k, mm, vpn)) {
    const fault = yield* do_wp_page(k, rt, mm, vpn, faulted);
    faulted = false;
    if ((fault & VM_FAULT_OOM) !== 0) return fault;
    if (((mm.pte[vpn] as number) & PTE_PRESENT) === 0) return yield* access(k, rt, mm, vpn, write);
  }
  fill_tlb(k, rt, mm, vpn, write);
  return 0;
}

/**
 * access when no fault is needed, as a plain function for hot callers: true when it did the
 * access (a TLB hit, or a page walk finding the PTE present); false, having done nothing,
 * when the page must be faulted in (the caller then runs access).
 */
export function access_fast(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, write: boolean): boolean {
  const cached = k.machine.tlb.lookup(rt.cpu, mm.id, vpn);
  if (cached >= 0 && (!write || (tlb_entry_flags(cached) & TLB_DIRTY) !== 0)) {
    user_access(k, rt, mm, vpn, tlb_entry_pfn(cached), write);
    return true;
  }
  if (((mm.pte[vpn] as number) & PTE_PRESENT) === 0 || (write && write_protected(k, mm, vpn))) return false;
  if (write && mm.has_file_vmas && file_wp_fault(mm, vpn)) return false;
  if (cached >= 0 && k.probe !== null) k.probe.clean_entry_written(rt.cpu);
  rt.task.now_ns += k.machine.cost.tlb_miss_walk_ns;
  fill_tlb(k, rt, mm, vpn, write);
  return true;
}

/**
 * The page walk's end: set the PTE's accessed (and dirty) bit and the accessed bit of the PMD
 * entry the walk went through, cache the translation, do the access.
 */
function fill_tlb(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, write: boolean): void {
  const tlb = k.machine.tlb;
  const pte = (mm.pte[vpn] as number) | PTE_ACCESSED | (write ? PTE_DIRTY : 0);
  const pfn = mm.pte_val[vpn] as number;
  mm.pte[vpn] = pte;
  mm.pmd_young[vpn >>> PMD_SHIFT_PAGES] = 1;
  // A write-protected PTE of a shared page caches no dirty entry: a write must fault (x86
  // caches R/W; the model's dirty entry stands for "writable without a walk").
  const dirty = (pte & PTE_DIRTY) !== 0 && ((pte & PTE_RW) !== 0 || !k.pgdat.folios.test(k.pgdat.folios.folio_head(pfn), PG_anon_shared));
  tlb.fill(rt.cpu, mm.id, vpn, pfn, ((pte & PTE_RW) !== 0 ? TLB_WRITABLE : 0) | (dirty ? TLB_DIRTY : 0));
  user_access(k, rt, mm, vpn, pfn, write);
}

/** The access itself reaches page frame `pfn`: a write puts (non-zero) data there. */
function user_access(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, pfn: number, write: boolean): void {
  if (write) k.pgdat.folios.zero_filled[pfn] = 0;
  if (k.probe !== null) k.probe.user_access(rt.cpu, mm, vpn, pfn, write);
}

/**
 * handle_mm_fault: a file VMA's fault (filemap_fault.ts), or for an anonymous VMA first
 * touch or swap-in, retried until the PTE is
 * present, or until the fault fails for want of memory (VM_FAULT_OOM).
 */
function* handle_mm_fault(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, write: boolean): Generator<Yield, number, void> {
  const start_ns = rt.task.now_ns;
  let fault = 0;
  while (((mm.pte[vpn] as number) & PTE_PRESENT) === 0) {
    k.pgdat.vm.pgfault++;
    rt.task.now_ns += k.machine.cost.page_fault_ns;
    if (must_sync(k, rt)) yield Yield.resume;
    // handle_pte_fault reads the PTE again under its lock: another thread may have mapped it.
    const pte = mm.pte[vpn] as number;
    if ((pte & PTE_PRESENT) !== 0) break;
    if (mm.pte_table[vpn >>> PMD_SHIFT_PAGES] === 0) {
      fault |= yield* pte_alloc(k, rt, mm, vpn);
      if ((fault & VM_FAULT_OOM) !== 0) break;
    }
    // A swap PTE in a file VMA is a private copy (do_cow_fault) that reclaim swapped out.
    const file_vma = mm.has_file_vmas && (pte & PTE_SWAP) === 0 ? file_vma_at(mm, vpn) : null;
    if (file_vma !== null) fault |= yield* do_file_fault(k, rt, mm, file_vma, vpn, write);
    else if ((pte & PTE_SWAP) !== 0) fault |= yield* do_swap_page(k, rt, mm, vpn, write);
    else fault |= yield* do_anonymous_page(k, rt, mm, vpn, write);
    if ((fault & VM_FAULT_OOM) !== 0) break;
  }
  k.machine.tracer?.page_fault?.(rt.cpu, start_ns, rt.task.now_ns - start_ns, (fault & VM_FAULT_MAJOR) !== 0);
  return fault;
}

/**
 * pte_alloc for the first fault under a PMD: the PTE table (pte_alloc_one) is charged to the
 * task's cgroup like a folio (GFP_PGTABLE_USER: __GFP_ACCOUNT), which may reclaim from it or
 * fail (VM_FAULT_OOM). 6.12 makes it at the start of do_anonymous_page, before the folio; a
 * PMD-mapped THP's deposited table after the THP's charge, a file fault's in finish_fault after
 * the folio (unless fault-around preallocated it): the model charges it first for all. The
 * table's page frame itself is not allocated from the node (the model has no page-table pages).
 */
function* pte_alloc(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number): Generator<Yield, number, void> {
  if (!(yield* memcg_charge_pagetable(k, rt, mm.memcg_id))) return VM_FAULT_OOM;
  mm.pte_table[vpn >>> PMD_SHIFT_PAGES] = 1;
  return 0;
}

/**
 * Maps page `page` of the folio `pfn` at `vpn` as a private anonymous page
 * (folio_add_new_anon_rmap / folio_add_anon_rmap_pte): the folio's flags and mapcount; a
 * folio new to the rmap gets its anon_vma — the mm's own if exclusive, the root's if not
 * (__folio_set_anon) — and its index. A swapped-in folio is uptodate once its read completed.
 * One not `exclusive` is mapped read-only and marked shared (a write must copy it).
 */
export function map_anon(k: Kernel, mm: MmStruct, vpn: number, pfn: number, write: boolean, page = pfn, exclusive = true): void {
  const f = k.pgdat.folios;
  f.set(pfn, PG_anon | PG_swapbacked);
  f.mapcount[pfn] = (f.mapcount[pfn] as number) + 1;
  if (f.rmap_mm[page] === NIL) {
    f.rmap_mm[page] = exclusive ? mm.id : mm.anon_vma_root;
    f.rmap_vpn[page] = page_index(mm, vpn);
  }
  if (exclusive) f.clear(pfn, PG_anon_shared);
  else f.set(pfn, PG_anon_shared);
  mm.pte[vpn] = PTE_PRESENT | PTE_ACCESSED | (exclusive ? PTE_RW : 0) | (write && exclusive ? PTE_DIRTY : 0);
  mm.pte_val[vpn] = page;
  mm.nr_anon_pages++;
}

/** The new folio's mapping and LRU batch: its allocation reference becomes the mapping's. */
export function map_new_anon_folio(k: Kernel, cpu: number, mm: MmStruct, vpn: number, pfn: number, write: boolean): void {
  // __folio_mark_uptodate: the zeroed page's contents are valid.
  k.pgdat.folios.set(pfn, PG_uptodate);
  map_anon(k, mm, vpn, pfn, write);
  k.pgdat.fbatches.folio_add_lru(cpu, pfn, true);
}

/**
 * A page of `vm` written once before time starts (the experiment's setup): a new folio mapped
 * as do_anonymous_page maps it, with no watermark check, charge or reclaim.
 */
export function populate_anon_page(k: Kernel, cpu: number, mm: MmStruct, vpn: number, write: boolean): void {
  const pfn = k.pgdat.folios.alloc();
  assert(pfn !== NIL, 'out of memory while populating the scenario\'s memory');
  map_new_anon_folio(k, cpu, mm, vpn, pfn, write);
}

/**
 * The first touch of `vpn`, the head of an aligned range of 2^order pages, before time starts,
 * when a large folio backs it (see map_new_large_folio), with no watermark check or charge.
 * False when no such block is free (the caller falls back to a smaller order, as the fault
 * path does).
 */
export function populate_anon_folio(k: Kernel, cpu: number, mm: MmStruct, vpn: number, order: number, write: boolean): boolean {
  const pfn = k.pgdat.folios.alloc_order(order);
  if (pfn === NIL) return false;
  map_new_large_folio(k, cpu, mm, vpn, pfn, write);
  return true;
}

/**
 * A new large folio mapped at `vpn`, the head of its aligned range: a PMD-sized one as
 * do_huge_pmd_anonymous_page maps it (one PMD; THP_FAULT_ALLOC), a smaller one as
 * do_anonymous_page maps what alloc_anon_folio gave (a PTE per page, one reference per PTE);
 * the order's mTHP anon_fault_alloc either way; then onto this CPU's LRU batch.
 */
function map_new_large_folio(k: Kernel, cpu: number, mm: MmStruct, vpn: number, pfn: number, write: boolean): void {
  const f = k.pgdat.folios;
  const order = f.order[pfn] as number;
  const nr = 1 << order;
  const pmd = order === HPAGE_PMD_ORDER;
  f.set(pfn, PG_anon | PG_swapbacked | PG_uptodate);
  const bits = PTE_PRESENT | PTE_ACCESSED | PTE_RW | (write ? PTE_DIRTY : 0) | (pmd ? PTE_PMD : 0);
  for (let i = 0; i < nr; i++) {
    f.rmap_mm[pfn + i] = mm.id;
    f.rmap_vpn[pfn + i] = vpn + i;
    mm.pte[vpn + i] = bits;
    mm.pte_val[vpn + i] = pfn + i;
  }
  f.mapcount[pfn] = pmd ? 1 : nr;
  if (!pmd) f.ref_add(pfn, nr - 1);
  mm.nr_anon_pages += nr;
  if (pmd) k.pgdat.thp.thp_fault_alloc++;
  k.pgdat.mthp.count(order, 'anon_fault_alloc');
  k.pgdat.fbatches.folio_add_lru(cpu, pfn, true);
}

/** Every PTE slot of [vpn, vpn + nr) is none (pte_range_none; pmd_none for a whole PMD). */
function pte_range_none(mm: MmStruct, vpn: number, nr: number): boolean {
  for (let v = vpn; v < vpn + nr; v++) if (mm.pte[v] !== 0) return false;
  return true;
}

/**
 * The large-folio attempts of a first-touch fault at `vpn` (6.12): __handle_mm_fault tries a
 * PMD-sized folio first when the VMA allows it and the PMD is none (create_huge_pmd); then
 * do_anonymous_page's alloc_anon_folio tries the smaller enabled orders, highest first, whose
 * naturally aligned range holds `vpn`, lies inside the VMA and has every PTE none. These
 * allocations use GFP_TRANSHUGE_LIGHT (the default defrag setting for a VMA not marked
 * MADV_HUGEPAGE): no reclaim, no compaction, no kswapd wakeup — here, a free block while free
 * pages stay above the low watermark — and a memcg charge that cannot reclaim; a failure
 * counts the order's anon_fault_fallback (THP_FAULT_FALLBACK for the PMD size) and tries the
 * next. True when a large folio was mapped; false leaves the order-0 path to the caller.
 */
function do_anonymous_large(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, write: boolean): boolean {
  const vma = mm.find_vma(vpn);
  if (vma === null || vma.thp_orders === 0) return false;
  const pgdat = k.pgdat;
  const f = pgdat.folios;
  for (let order = 31 - Math.clz32(vma.thp_orders); order > 0; order--) {
    if ((vma.thp_orders & (1 << order)) === 0) continue;
    const nr = 1 << order;
    const head_vpn = vpn - (vpn % nr);
    if (head_vpn < vma.start_vpn || head_vpn + nr > vma.end_vpn || !pte_range_none(mm, head_vpn, nr)) continue;
    let pfn = NIL;
    if (zone_watermark_ok(f.nr_free_pages - nr, pgdat.zone.low_wmark_pages())) pfn = f.alloc_order(order);
    if (pfn !== NIL && !mem_cgroup_charge_nowait(k, rt, pfn, mm.memcg_id)) {
      free_new_folio(k, pfn);
      pfn = NIL;
    }
    if (pfn === NIL) {
      if (order === HPAGE_PMD_ORDER) pgdat.thp.thp_fault_fallback++;
      pgdat.mthp.count(order, 'anon_fault_fallback');
      continue;
    }
    rt.task.now_ns += (nr - 1) * k.machine.cost.clear_page_ns;
    map_new_large_folio(k, rt.cpu, mm, head_vpn, pfn, write);
    return true;
  }
  return false;
}

/** folio_put of a new folio that was never mapped nor listed: uncharge and free it. */
export function free_new_folio(k: Kernel, pfn: number): void {
  const pgdat = k.pgdat;
  const f = pgdat.folios;
  assert(f.put(pfn), () => `new folio ${pfn} has other references`);
  f.flags[pfn] = 0;
  mem_cgroup_uncharge(f, pgdat.memcgs, pfn);
  pgdat.vm.pgfree += f.nr(pfn);
  f.free(pfn);
}

/**
 * A new order-0 folio for a fault (alloc_pages, which may wake kswapd or reclaim directly),
 * charged to the mm's cgroup (which may reclaim from it); NIL when there is none or the charge
 * fails (the caller answers VM_FAULT_OOM).
 */
export function* alloc_fault_folio(k: Kernel, rt: ReclaimTask, mm: MmStruct): Generator<Yield, number, void> {
  let pfn = alloc_pages_fast(k);
  if (pfn === NIL) pfn = yield* alloc_pages_slowpath(k, rt);
  if (pfn === NIL) return NIL;
  if (!mem_cgroup_charge_fast(k, rt, pfn, mm.memcg_id) && !(yield* mem_cgroup_charge(k, rt, pfn, mm.memcg_id))) {
    free_new_folio(k, pfn);
    return NIL;
  }
  return pfn;
}

/**
 * do_anonymous_page (mm/memory.c): the mm's first one makes its anon_vma (vmf_anon_prepare,
 * charged to its cgroup: memcg_charge_anon_vma); a new zeroed folio (alloc_pages, which may
 * wake kswapd or reclaim directly), charged to the mm's cgroup (which may reclaim from it, or
 * fail: VM_FAULT_OOM), mapped writable (dirty on a write fault) unless another thread mapped
 * the page meanwhile, and queued for the LRU on this CPU.
 */
function* do_anonymous_page(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, write: boolean): Generator<Yield, number, void> {
  if (!mm.anon_vma_ready) {
    if (!(yield* memcg_charge_anon_vma(k, rt, mm.memcg_id))) return VM_FAULT_OOM;
    mm.anon_vma_ready = true;
  }
  if (mm.thp && do_anonymous_large(k, rt, mm, vpn, write)) return 0;
  const pfn = yield* alloc_fault_folio(k, rt, mm);
  if (pfn === NIL) return VM_FAULT_OOM;
  if (((mm.pte[vpn] as number) & (PTE_PRESENT | PTE_SWAP)) !== 0) {
    free_new_folio(k, pfn);
    return VM_FAULT_RETRY_PTE;
  }
  map_new_anon_folio(k, rt.cpu, mm, vpn, pfn, write);
  return 0;
}


/**
 * do_swap_page (mm/memory.c): find the folio in the swap cache (a minor fault; wait for its
 * lock, and retry the fault if it left the swap cache meanwhile), or read it — bypassing the
 * swap cache for a synchronous device whose slot only this PTE references (zram), through
 * the swap cache otherwise — counting a major fault. Then drop the PTE's slot reference, free
 * the swap copy on a write fault or when swap is over half full (should_try_to_free_swap),
 * and map the folio writable (it is exclusive), dirty on a write. A new folio comes from
 * alloc_pages and is charged to the mm's cgroup (mem_cgroup_swapin_charge_folio) before it
 * enters the swap cache; if either waited, the PTE and swap cache are looked at again.
 * Returns VM_FAULT_MAJOR when it read from the device, VM_FAULT_OOM when the charge failed;
 * leaves the PTE unchanged when the fault must be retried.
 */
function* do_swap_page(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, write: boolean): Generator<Yield, number, void> {
  const pgdat = k.pgdat;
  const f = pgdat.folios;
  const swap = pgdat.swap;
  const slot = mm.pte_val[vpn] as number;
  let page = swap.swap_cache[slot] as number;
  let pfn = page === NIL ? NIL : f.folio_head(page);
  let major = 0;
  // A fresh folio the swap cache never saw is certainly exclusive.
  let fresh = false;
  if (pfn !== NIL) {
    f.get(pfn);
    yield* folio_lock(k, rt, pfn);
    const pte = mm.pte[vpn] as number;
    if (!f.test(pfn, PG_swapcache) || f.folio_head(page) !== pfn || f.swap[page] !== slot || (pte & PTE_SWAP) === 0 || mm.pte_val[vpn] !== slot) {
      // The folio left the swap cache (or was split), or someone else mapped the page: retry the fault.
      f.unlock(pfn);
      f.put(pfn);
      return VM_FAULT_RETRY_PTE;
    }
    if (f.large(pfn) && swapped_out_whole(k, mm, pfn)) {
      map_whole_swapcache_folio(k, mm, pfn, write);
      return 0;
    }
  } else {
    pfn = alloc_pages_fast(k);
    if (pfn === NIL) pfn = yield* alloc_pages_slowpath(k, rt);
    if (pfn === NIL) return VM_FAULT_OOM;
    page = pfn;
    if (swap_pte_changed(k, mm, vpn, slot)) {
      free_new_folio(k, pfn);
      return VM_FAULT_RETRY_PTE;
    }
    if (!mem_cgroup_charge_fast(k, rt, pfn, mm.memcg_id) && !(yield* mem_cgroup_charge(k, rt, pfn, mm.memcg_id))) {
      free_new_folio(k, pfn);
      return VM_FAULT_OOM;
    }
    if (swap_pte_changed(k, mm, vpn, slot)) {
      free_new_folio(k, pfn);
      return VM_FAULT_RETRY_PTE;
    }
    f.set(pfn, PG_locked | PG_anon | PG_swapbacked);
    const bypass = swap.synchronous_io && swap.swap_count(slot) === 1;
    fresh = bypass;
    if (!bypass) {
      swap.swap_map[slot] = (swap.swap_map[slot] as number) | SWAP_HAS_CACHE;
      swap.add_to_swap_cache(f, pfn, slot);
    }
    pgdat.fbatches.folio_add_lru(rt.cpu, pfn, true);
    yield* k.swap_io.swap_read_folio(rt.task, rt.cpu, pfn, slot);
    pgdat.vm.pgmajfault++;
    major = VM_FAULT_MAJOR;
    if (swap_pte_gone(mm, vpn, slot)) {
      // pte_same fails under the PTE lock (a racing zap took the page): out_nomap. A
      // swap-cache folio stays there for reclaim; one that bypassed it goes with its reference.
      f.unlock(pfn);
      pgdat.fbatches.folio_put(pfn);
      return major;
    }
  }
  // pte_swp_exclusive, read under the PTE lock: the page was exclusive to this mapping (a fork clears it).
  const exclusive = fresh || ((mm.pte[vpn] as number) & PTE_SWP_EXCLUSIVE) !== 0;
  swap.swap_free(slot);
  mm.nr_swap_ents--;
  if (f.test(pfn, PG_swapcache) && (write || swap.swap_full())) swap.folio_free_swap(f, pfn);
  // Mapped writable (RMAP_EXCLUSIVE) when exclusive, or when no one else holds it (only this
  // fault's reference); else read-only, and a write fault goes on to do_wp_page.
  map_anon(k, mm, vpn, pfn, write, page, exclusive || f.refcount[pfn] === 1);
  f.unlock(pfn);
  return major;
}

/** Every page of a large swap-cache folio is still swapped out at its own address, by its own slot. */
function swapped_out_whole(k: Kernel, mm: MmStruct, pfn: number): boolean {
  const f = k.pgdat.folios;
  const nr = f.nr(pfn);
  for (let page = pfn; page < pfn + nr; page++) {
    const vpn = f.rmap_vpn[page] as number;
    if (vpn === NIL || ((mm.pte[vpn] as number) & PTE_SWAP) === 0 || mm.pte_val[vpn] !== f.swap[page]) return false;
  }
  return true;
}

/**
 * do_swap_page on a large folio found in the swap cache whose every page is still swapped
 * out at its address with its own slot (6.10+, swap_pte_batch == folio_nr_pages): map the
 * whole folio at once — a PTE per page, each slot's reference dropped, one folio reference per
 * PTE — a minor fault. The folio leaves the swap cache on a write fault or a fullish swap.
 */
function map_whole_swapcache_folio(k: Kernel, mm: MmStruct, pfn: number, write: boolean): void {
  const f = k.pgdat.folios;
  const swap = k.pgdat.swap;
  const nr = f.nr(pfn);
  for (let page = pfn; page < pfn + nr; page++) {
    swap.swap_free(f.swap[page] as number);
    mm.nr_swap_ents--;
  }
  f.ref_add(pfn, nr - 1);
  if (write || swap.swap_full()) swap.folio_free_swap(f, pfn);
  for (let page = pfn; page < pfn + nr; page++) map_anon(k, mm, f.rmap_vpn[page] as number, pfn, write, page);
  f.unlock(pfn);
}

/** After a read: the PTE no longer holds `slot` (a racing zap cleared it). */
function swap_pte_gone(mm: MmStruct, vpn: number, slot: number): boolean {
  return ((mm.pte[vpn] as number) & PTE_SWAP) === 0 || mm.pte_val[vpn] !== slot;
}

/** After waiting for memory: the PTE no longer holds `slot`, or the slot's folio is now cached (another thread swapped it in). */
function swap_pte_changed(k: Kernel, mm: MmStruct, vpn: number, slot: number): boolean {
  return ((mm.pte[vpn] as number) & PTE_SWAP) === 0 || mm.pte_val[vpn] !== slot || k.pgdat.swap.swap_cache[slot] !== NIL;
}
