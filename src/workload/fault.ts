import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import { TLB_DIRTY, TLB_WRITABLE, tlb_entry_flags, tlb_entry_pfn } from '../hw/tlb.js';
import { NIL, PG_anon, PG_locked, PG_swapbacked, PG_swapcache, PG_uptodate } from '../mm/folio.js';
import { PTE_ACCESSED, PTE_DIRTY, PTE_PRESENT, PTE_RW, PTE_SWAP, type MmStruct } from '../mm/mm_struct.js';
import { SWAP_HAS_CACHE } from '../mm/swap.js';
import { must_sync, type Kernel, type ReclaimTask } from '../reclaim/kernel.js';

/** How often a task waiting for a folio lock checks again, ns (folio_lock sleeps until unlock). */
const FOLIO_LOCK_POLL_NS = 1000;
const FOLIO_LOCK_POLLS_MAX = 10_000_000;

/**
 * One explicit user access by the task on its CPU. A cached translation serves it — a write
 * needs a cached dirty entry (B7), and then reaches the page frame the entry names even if
 * the PTE is gone (a stale translation) — else a page walk sets the PTE's accessed (and
 * dirty) bit and fills the TLB, faulting first when the PTE is not present.
 */
export function* access(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, write: boolean): Generator<Yield, void, void> {
  const tlb = k.machine.tlb;
  const cached = tlb.lookup(rt.cpu, mm.id, vpn);
  if (cached >= 0 && (!write || (tlb_entry_flags(cached) & TLB_DIRTY) !== 0)) {
    if (k.probe !== null) k.probe.user_access(rt.cpu, mm, vpn, tlb_entry_pfn(cached), write);
    return;
  }
  rt.task.now_ns += k.machine.cost.tlb_miss_walk_ns;
  if (((mm.pte[vpn] as number) & PTE_PRESENT) === 0) yield* handle_mm_fault(k, rt, mm, vpn, write);
  const pte = (mm.pte[vpn] as number) | PTE_ACCESSED | (write ? PTE_DIRTY : 0);
  const pfn = mm.pte_val[vpn] as number;
  mm.pte[vpn] = pte;
  tlb.fill(rt.cpu, mm.id, vpn, pfn, ((pte & PTE_RW) !== 0 ? TLB_WRITABLE : 0) | ((pte & PTE_DIRTY) !== 0 ? TLB_DIRTY : 0));
  if (k.probe !== null) k.probe.user_access(rt.cpu, mm, vpn, pfn, write);
}

/** handle_mm_fault for an anonymous VMA: first touch or swap-in, retried until the PTE is present. */
function* handle_mm_fault(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, write: boolean): Generator<Yield, void, void> {
  const start_ns = rt.task.now_ns;
  let major = false;
  while (((mm.pte[vpn] as number) & PTE_PRESENT) === 0) {
    k.pgdat.vm.pgfault++;
    rt.task.now_ns += k.machine.cost.page_fault_ns;
    if (must_sync(k, rt)) yield Yield.resume;
    // handle_pte_fault reads the PTE again under its lock: another thread may have mapped it.
    const pte = mm.pte[vpn] as number;
    if ((pte & PTE_PRESENT) !== 0) break;
    if ((pte & PTE_SWAP) !== 0) major = (yield* do_swap_page(k, rt, mm, vpn, write)) || major;
    else do_anonymous_page(k, rt.cpu, mm, vpn, write);
  }
  k.machine.tracer?.page_fault?.(rt.cpu, start_ns, rt.task.now_ns - start_ns, major);
}

/** Maps `pfn` at `vpn` as a private anonymous page (folio_add_new_anon_rmap / folio_add_anon_rmap_pte). */
function map_anon(k: Kernel, mm: MmStruct, vpn: number, pfn: number, write: boolean): void {
  const f = k.pgdat.folios;
  f.set(pfn, PG_anon | PG_swapbacked | PG_uptodate);
  f.mapcount[pfn] = (f.mapcount[pfn] as number) + 1;
  f.rmap_mm[pfn] = mm.id;
  f.rmap_vpn[pfn] = vpn;
  mm.pte[vpn] = PTE_PRESENT | PTE_ACCESSED | PTE_RW | (write ? PTE_DIRTY : 0);
  mm.pte_val[vpn] = pfn;
  mm.nr_anon_pages++;
}

/**
 * do_anonymous_page: a new zeroed folio, mapped writable (dirty on a write fault), queued for
 * the LRU on this CPU. Its allocation reference becomes the mapping's.
 */
export function do_anonymous_page(k: Kernel, cpu: number, mm: MmStruct, vpn: number, write: boolean): void {
  const pfn = k.pgdat.folios.alloc();
  assert(pfn !== NIL, 'out of memory: reclaim on allocation is not modelled yet');
  map_anon(k, mm, vpn, pfn, write);
  k.pgdat.lruvec.folio_add_lru(cpu, pfn);
}

/** folio_lock: sleep until the lock is free (here: check again every FOLIO_LOCK_POLL_NS), then take it. */
function* folio_lock(k: Kernel, rt: ReclaimTask, pfn: number): Generator<Yield, void, void> {
  const f = k.pgdat.folios;
  for (let polls = 0; !f.trylock(pfn); polls++) {
    assert(polls < FOLIO_LOCK_POLLS_MAX, `folio ${pfn} stays locked`);
    rt.task.now_ns += FOLIO_LOCK_POLL_NS;
    yield Yield.resume;
  }
}

/**
 * do_swap_page (mm/memory.c): find the folio in the swap cache (a minor fault; wait for its
 * lock, and retry the fault if it left the swap cache meanwhile), or read it — bypassing the
 * swap cache for a synchronous device whose slot only this PTE references (zram), through
 * the swap cache otherwise — counting a major fault. Then drop the PTE's slot reference, free
 * the swap copy on a write fault or when swap is over half full (should_try_to_free_swap),
 * and map the folio writable (it is exclusive), dirty on a write. Returns whether it read from
 * the device; leaves the PTE unchanged when the fault must be retried.
 */
function* do_swap_page(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number, write: boolean): Generator<Yield, boolean, void> {
  const pgdat = k.pgdat;
  const f = pgdat.folios;
  const swap = pgdat.swap;
  const slot = mm.pte_val[vpn] as number;
  let pfn = swap.swap_cache[slot] as number;
  let major = false;
  if (pfn !== NIL) {
    f.get(pfn);
    yield* folio_lock(k, rt, pfn);
    const pte = mm.pte[vpn] as number;
    if (!f.test(pfn, PG_swapcache) || f.swap[pfn] !== slot || (pte & PTE_SWAP) === 0 || mm.pte_val[vpn] !== slot) {
      // The folio left the swap cache, or someone else mapped the page: retry the fault.
      f.unlock(pfn);
      f.put(pfn);
      return false;
    }
  } else {
    pfn = f.alloc();
    assert(pfn !== NIL, 'out of memory: reclaim on allocation is not modelled yet');
    f.set(pfn, PG_locked | PG_anon | PG_swapbacked);
    const bypass = swap.synchronous_io && swap.swap_count(slot) === 1;
    if (!bypass) {
      swap.swap_map[slot] = (swap.swap_map[slot] as number) | SWAP_HAS_CACHE;
      swap.add_to_swap_cache(f, pfn, slot);
    }
    pgdat.lruvec.folio_add_lru(rt.cpu, pfn);
    yield* k.swap_io.swap_read_folio(rt.task, rt.cpu, pfn, slot);
    pgdat.vm.pgmajfault++;
    major = true;
  }
  swap.swap_free(slot);
  mm.nr_swap_ents--;
  if (f.test(pfn, PG_swapcache) && (write || swap.swap_full())) swap.folio_free_swap(f, pfn);
  map_anon(k, mm, vpn, pfn, write);
  f.unlock(pfn);
  return major;
}
