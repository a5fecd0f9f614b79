/**
 * Charging a new folio to its memory cgroup (mm/memcontrol.c; kernel-spec E7): from the CPU's
 * stock, else a batch from the page counter, else memcg limit reclaim in the charging task
 * until the charge fits, and the memcg OOM path when it never does.
 */
import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import { MEMCG_CHARGE_BATCH, ROOT_MEM_CGROUP, type MemCgroup } from '../mm/memcontrol.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { MAX_RECLAIM_RETRIES } from './scan_control.js';
import { try_to_free_mem_cgroup_pages } from './shrink_node.js';

/** PAGE_ALLOC_COSTLY_ORDER: charges up to 1 << 3 pages retry while reclaim makes progress. */
const COSTLY_CHARGE_PAGES = 1 << 3;
/** A bound on try_charge_memcg's retries; reclaim progress ends them far sooner. */
const CHARGE_LOOPS_MAX = 10_000_000;

/**
 * try_charge_memcg (mm/memcontrol.c) for `nr_pages`: consume_stock; else charge a batch of
 * MEMCG_CHARGE_BATCH and keep the surplus in the CPU's stock, or just the pages; else count a
 * memory.events max, run try_to_free_mem_cgroup_pages and retry — once after draining every
 * CPU's stock, again while reclaim makes progress, and MAX_RECLAIM_RETRIES times more.
 * Then mem_cgroup_oom: the OOM killer is modelled as killing the charging task (no victim
 * selection, no reaping of its memory), which fails the charge. False when it failed.
 */
function* try_charge_memcg(k: Kernel, rt: ReclaimTask, memcg: MemCgroup, nr_pages: number): Generator<Yield, boolean, void> {
  let batch = Math.max(MEMCG_CHARGE_BATCH, nr_pages);
  let nr_retries = MAX_RECLAIM_RETRIES;
  let drained = false;
  for (let loops = 0; ; loops++) {
    assert(loops < CHARGE_LOOPS_MAX, () => `memcg ${memcg.name}: the charge never fits`);
    if (memcg.consume_stock(rt.cpu, nr_pages)) return true;
    if (memcg.page_counter_try_charge(batch)) {
      if (batch > nr_pages) memcg.refill_stock(rt.cpu, batch - nr_pages);
      return true;
    }
    if (batch > nr_pages) {
      batch = nr_pages;
      continue;
    }
    if (rt.oom_killed) return false;
    memcg.events.max++;
    const nr_reclaimed = yield* try_to_free_mem_cgroup_pages(k, rt, memcg.id, nr_pages);
    if (must_sync(k, rt)) yield Yield.resume;
    if (memcg.margin() >= nr_pages) continue;
    if (!drained) {
      memcg.drain_all_stock();
      drained = true;
      continue;
    }
    if (nr_reclaimed > 0 && nr_pages <= COSTLY_CHARGE_PAGES) continue;
    if (nr_retries-- > 0) continue;
    // mem_cgroup_oom → mem_cgroup_out_of_memory: the victim is the charging task.
    memcg.events.oom++;
    memcg.events.oom_kill++;
    k.pgdat.vm.oom_kill++;
    rt.oom_killed = true;
    return false;
  }
}

/**
 * mem_cgroup_charge / mem_cgroup_swapin_charge_folio for a folio just allocated by a fault of
 * a task in cgroup `memcg_id`: the root cgroup is never charged; otherwise try_charge_memcg,
 * then commit the folio to the cgroup (memcg_data). False when the charge failed (OOM).
 */
export function* mem_cgroup_charge(k: Kernel, rt: ReclaimTask, pfn: number, memcg_id: number): Generator<Yield, boolean, void> {
  if (mem_cgroup_charge_fast(k, rt, pfn, memcg_id)) return true;
  const f = k.pgdat.folios;
  if (!(yield* try_charge_memcg(k, rt, k.pgdat.memcgs[memcg_id] as MemCgroup, f.nr(pfn)))) return false;
  f.memcg[pfn] = memcg_id;
  return true;
}

/**
 * The charge without reclaim, as a plain function for hot callers: true when the folio is
 * charged (the root cgroup, or from the stock, or a batch fits under memory.max); false when
 * the caller must run mem_cgroup_charge, which reclaims.
 */
export function mem_cgroup_charge_fast(k: Kernel, rt: ReclaimTask, pfn: number, memcg_id: number): boolean {
  const f = k.pgdat.folios;
  assert(f.memcg[pfn] === ROOT_MEM_CGROUP, () => `folio ${pfn} charged twice`);
  if (memcg_id === ROOT_MEM_CGROUP) return true;
  const memcg = k.pgdat.memcgs[memcg_id] as MemCgroup;
  const nr_pages = f.nr(pfn);
  if (!memcg.consume_stock(rt.cpu, nr_pages)) {
    const batch = Math.max(MEMCG_CHARGE_BATCH, nr_pages);
    if (!memcg.page_counter_try_charge(batch)) return false;
    if (batch > nr_pages) memcg.refill_stock(rt.cpu, batch - nr_pages);
  }
  f.memcg[pfn] = memcg_id;
  return true;
}

/**
 * The charge of a large folio a fault allocates with GFP_TRANSHUGE_LIGHT, which may not block:
 * try_charge_memcg's batch, then the exact size, and nothing more (no reclaim). False when
 * the cgroup has no room: the fault falls back to a smaller folio.
 */
export function mem_cgroup_charge_nowait(k: Kernel, rt: ReclaimTask, pfn: number, memcg_id: number): boolean {
  if (mem_cgroup_charge_fast(k, rt, pfn, memcg_id)) return true;
  const f = k.pgdat.folios;
  if (!(k.pgdat.memcgs[memcg_id] as MemCgroup).page_counter_try_charge(f.nr(pfn))) return false;
  f.memcg[pfn] = memcg_id;
  return true;
}

/**
 * The memcg charge of a page-table page a task of cgroup `memcg_id` allocates
 * (pte_alloc_one → pagetable_alloc with GFP_PGTABLE_USER, whose __GFP_ACCOUNT makes
 * __alloc_pages call __memcg_kmem_charge_page → obj_cgroup_charge_pages → try_charge_memcg for
 * one page): the same stock, limit reclaim and OOM path as a folio's charge. The root cgroup
 * is not charged. False when the charge failed (the task was OOM-killed): pte_alloc fails and
 * the fault returns VM_FAULT_OOM.
 */
export function* memcg_charge_pagetable(k: Kernel, rt: ReclaimTask, memcg_id: number): Generator<Yield, boolean, void> {
  if (memcg_id === ROOT_MEM_CGROUP) return true;
  const memcg = k.pgdat.memcgs[memcg_id] as MemCgroup;
  if (!(yield* try_charge_memcg(k, rt, memcg, 1))) return false;
  memcg.pagetables++;
  return true;
}

/**
 * The memcg charge of anon_vma_prepare's objects (__anon_vma_prepare: anon_vma_chain_alloc and
 * anon_vma_alloc from SLAB_ACCOUNT caches, charged to the task's objcg by
 * memcg_slab_post_alloc_hook): obj_cgroup_charge finds the CPU's obj stock empty, charges one
 * page through try_charge_memcg (which may reclaim) and keeps the rest of it in the stock, from
 * which the second object is taken. Nothing else the model allocates is a slab object, so
 * this is one page per process. False when the charge failed (OOM).
 */
export function* memcg_charge_anon_vma(k: Kernel, rt: ReclaimTask, memcg_id: number): Generator<Yield, boolean, void> {
  if (memcg_id === ROOT_MEM_CGROUP) return true;
  const memcg = k.pgdat.memcgs[memcg_id] as MemCgroup;
  if (!(yield* try_charge_memcg(k, rt, memcg, 1))) return false;
  memcg.slab++;
  return true;
}
