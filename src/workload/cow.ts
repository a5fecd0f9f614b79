/**
 * The write-protect fault of a private anonymous page (mm/memory.c do_wp_page): after fork a
 * page is shared copy-on-write, mapped read-only in both processes; the first write either
 * reuses the folio — no one else holds it any more (wp_can_reuse_anon_folio) — or copies it
 * (wp_page_copy): a new folio, the old PTE cleared and flushed from every CPU of the mm
 * (ptep_clear_flush) before the new one is set, the old folio's mapping and reference
 * dropped. Order-0 folios only (fork is modelled on them).
 */
import { Yield } from '../engine/simulator.js';
import { flush_tlb_page } from '../hw/arch_tlb.js';
import { NIL, PG_anon_shared, PG_lru, PG_swapcache, PG_uptodate } from '../mm/folio.js';
import { PTE_ACCESSED, PTE_DIRTY, PTE_PRESENT, PTE_RW, type MmStruct } from '../mm/mm_struct.js';
import { flush_wait, must_sync, type Kernel, type ReclaimTask } from '../reclaim/kernel.js';
import { alloc_fault_folio, free_new_folio, map_anon, VM_FAULT_OOM } from './fault.js';

/** A present PTE without write permission over a shared page: a write must take do_wp_page. */
export function write_protected(k: Kernel, mm: MmStruct, vpn: number): boolean {
  if (((mm.pte[vpn] as number) & (PTE_PRESENT | PTE_RW)) !== PTE_PRESENT) return false;
  const f = k.pgdat.folios;
  return f.test(f.folio_head(mm.pte_val[vpn] as number), PG_anon_shared);
}

/**
 * do_wp_page for a write fault at `vpn`: reuse or copy. A fault of its own (pgfault counted),
 * unless `in_fault`: do_swap_page calls it for a write fault it mapped read-only. Returns 0, or VM_FAULT_OOM when no page could be had for
 * the copy. The PTE is looked at again under its lock: if it changed meanwhile, nothing is
 * done (the access retries).
 */
export function* do_wp_page(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, in_fault = false): Generator<Yield, number, void> {
  if (!in_fault) {
    k.pgdat.vm.pgfault++;
    rt.task.now_ns += k.machine.cost.page_fault_ns;
  }
  if (must_sync(k, rt)) yield Yield.resume;
  if (!write_protected(k, mm, vpn)) return 0;
  const pfn = mm.pte_val[vpn] as number;
  if (wp_can_reuse_anon_folio(k, rt, mm, pfn)) {
    // wp_page_reuse: the PTE made writable (and dirty) in place; x86 needs no flush to upgrade.
    mm.pte[vpn] = (mm.pte[vpn] as number) | PTE_RW | PTE_DIRTY | PTE_ACCESSED;
    k.pgdat.folios.clear(pfn, PG_anon_shared);
    return 0;
  }
  return yield* wp_page_copy(k, rt, mm, vpn, pfn);
}

/**
 * wp_can_reuse_anon_folio (6.12): reusable when only this mapping holds the folio — after
 * draining this CPU's LRU batch if the folio is not on the LRU yet, and dropping its swap-cache
 * copy (folio_free_swap) under the folio lock. A reused folio moves to this mm's anon_vma
 * (folio_move_anon_rmap).
 */
function wp_can_reuse_anon_folio(k: Kernel, rt: ReclaimTask, mm: MmStruct, pfn: number): boolean {
  const f = k.pgdat.folios;
  if ((f.refcount[pfn] as number) > 3) return false;
  if (!f.test(pfn, PG_lru)) k.pgdat.fbatches.lru_add_drain(rt.cpu);
  if ((f.refcount[pfn] as number) > 1 + (f.test(pfn, PG_swapcache) ? 1 : 0)) return false;
  if (!f.trylock(pfn)) return false;
  if (f.test(pfn, PG_swapcache)) k.pgdat.swap.folio_free_swap(f, pfn);
  const reuse = f.refcount[pfn] === 1;
  if (reuse) f.rmap_mm[pfn] = mm.id;
  f.unlock(pfn);
  return reuse;
}

/**
 * wp_page_copy: a new folio (alloc_pages, charged to the mm's cgroup; either may reclaim, or
 * fail: VM_FAULT_OOM) holding a copy of the page; then, if the PTE still maps the old page,
 * ptep_clear_flush — the old PTE cleared and flushed on every CPU of the mm, so no CPU keeps
 * reading the page the other process shares — and the new folio mapped writable and dirty;
 * the old folio loses this mapping and its reference.
 */
function* wp_page_copy(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, old: number): Generator<Yield, number, void> {
  const pgdat = k.pgdat;
  const f = pgdat.folios;
  f.get(old);
  const pfn = yield* alloc_fault_folio(k, rt, mm);
  if (pfn === NIL) {
    pgdat.fbatches.folio_put(old);
    return VM_FAULT_OOM;
  }
  // copy_user_highpage; the copy's contents are the old page's.
  rt.task.now_ns += k.machine.cost.copy_page_ns;
  f.zero_filled[pfn] = f.zero_filled[old] as number;
  if (k.probe !== null) k.probe.folio_copied(old, pfn);
  if (must_sync(k, rt)) yield Yield.resume;
  if (!write_protected(k, mm, vpn) || mm.pte_val[vpn] !== old) {
    free_new_folio(k, pfn);
    pgdat.fbatches.folio_put(old);
    return 0;
  }
  const pteval = mm.pte[vpn] as number;
  mm.pte[vpn] = 0;
  if (k.probe !== null) k.probe.pte_cleared(mm, vpn, old, pteval, false, rt.cpu);
  if (!k.mutants.cow_skips_flush) rt.task.now_ns = flush_tlb_page(k.machine, rt.cpu, rt.task.now_ns, mm.context, vpn);
  f.set(pfn, PG_uptodate);
  mm.nr_anon_pages--;
  map_anon(k, mm, vpn, pfn, true);
  mm.pte[vpn] = (mm.pte[vpn]) | PTE_DIRTY;
  pgdat.fbatches.folio_add_lru(rt.cpu, pfn, true);
  // ptep_clear_flush's remote calls have run before the old folio can go (the kernel waits
  // for them before installing the copy; here after, the old page still held).
  if (flush_wait(k, rt)) yield Yield.resume;
  // folio_remove_rmap_pte, then the mapping's reference and the fault's.
  f.mapcount[old] = (f.mapcount[old] as number) - 1;
  pgdat.fbatches.folio_put(old);
  pgdat.fbatches.folio_put(old);
  return 0;
}

