import { assert } from '../engine/assert.js';
import type { FolioTable } from './folio.js';

/** MEMCG_CHARGE_BATCH (include/linux/memcontrol.h): pages charged at once into a per-CPU stock. */
export const MEMCG_CHARGE_BATCH = 64;
/** The root memory cgroup's id: no limit, its LRU pages are not counted (uncharge_folio). */
export const ROOT_MEM_CGROUP = 0;

/** memory.events of a cgroup (v2). */
export interface MemcgEvents {
  max: number;
  oom: number;
  oom_kill: number;
}

/** The memory.stat reclaim counters of a cgroup (v2), same names as memory.stat. */
export interface MemcgStat {
  pgscan_kswapd: number;
  pgscan_direct: number;
  pgsteal_kswapd: number;
  pgsteal_direct: number;
  pgrefill: number;
  pgdeactivate: number;
}

/**
 * A memory cgroup (struct mem_cgroup, cgroup v2) one level below the root: its memory
 * page_counter (memory.current, memory.max, memory.peak), the per-CPU charge stock
 * (memcg_stock) of each CPU for it, memory.events and the memory.stat reclaim counters.
 * Swap is not limited (memory.swap.max = max).
 */
export class MemCgroup {
  /** memory.current: pages charged, stock included. */
  usage = 0;
  /** memory.peak */
  peak = 0;
  /** memcg_stock.nr_pages of each CPU whose stock caches this cgroup. */
  readonly stock: Int32Array;
  /**
   * Page-table pages charged to the cgroup (memory.stat pagetables, part of MEMCG_KMEM):
   * GFP_PGTABLE_USER has __GFP_ACCOUNT. Never uncharged here (the model frees no page table).
   */
  pagetables = 0;
  /**
   * Pages charged for slab objects (memory.stat slab): the anon_vma and its chain of each
   * process's first anonymous fault (SLAB_ACCOUNT caches; obj_cgroup_charge rounds the first
   * object up to a page and keeps the rest in the CPU's obj stock). Never uncharged here.
   */
  slab = 0;
  readonly events: MemcgEvents = { max: 0, oom: 0, oom_kill: 0 };
  readonly stat: MemcgStat = { pgscan_kswapd: 0, pgscan_direct: 0, pgsteal_kswapd: 0, pgsteal_direct: 0, pgrefill: 0, pgdeactivate: 0 };

  constructor(
    readonly id: number,
    readonly name: string,
    /** memory.max, pages. */
    readonly max_pages: number,
    nr_cpus: number,
  ) {
    assert(id !== ROOT_MEM_CGROUP, 'the root cgroup has no page counter here');
    this.stock = new Int32Array(nr_cpus);
  }

  /** page_counter_try_charge: charge `nr_pages` unless that would pass memory.max. */
  page_counter_try_charge(nr_pages: number): boolean {
    const usage = this.usage + nr_pages;
    if (usage > this.max_pages) return false;
    this.usage = usage;
    if (usage > this.peak) this.peak = usage;
    return true;
  }

  /** page_counter_uncharge */
  page_counter_uncharge(nr_pages: number): void {
    assert(this.usage >= nr_pages, () => `memcg ${this.name}: uncharge of ${nr_pages} pages with ${this.usage} charged`);
    this.usage -= nr_pages;
  }

  /** consume_stock: take the charge from this CPU's stock if it holds enough. */
  consume_stock(cpu: number, nr_pages: number): boolean {
    if (nr_pages > MEMCG_CHARGE_BATCH) return false;
    const stock = this.stock[cpu] as number;
    if (stock < nr_pages) return false;
    this.stock[cpu] = stock - nr_pages;
    return true;
  }

  /** refill_stock: keep a batch's surplus in this CPU's stock; above one batch, drain it. */
  refill_stock(cpu: number, nr_pages: number): void {
    const stock = (this.stock[cpu] as number) + nr_pages;
    this.stock[cpu] = stock;
    if (stock > MEMCG_CHARGE_BATCH) this.drain_stock(cpu);
  }

  /** drain_stock: give this CPU's stock back to the page counter. */
  drain_stock(cpu: number): void {
    const stock = this.stock[cpu] as number;
    if (stock === 0) return;
    this.page_counter_uncharge(stock);
    this.stock[cpu] = 0;
  }

  /** drain_all_stock */
  drain_all_stock(): void {
    for (let cpu = 0; cpu < this.stock.length; cpu++) this.drain_stock(cpu);
  }

  /** mem_cgroup_margin: pages that may still be charged. */
  margin(): number {
    return this.usage < this.max_pages ? this.max_pages - this.usage : 0;
  }

  /** Pages held in per-CPU stocks. */
  stocked(): number {
    let n = 0;
    for (let cpu = 0; cpu < this.stock.length; cpu++) n += this.stock[cpu] as number;
    return n;
  }
}

/**
 * mem_cgroup_uncharge_folios (mm/memcontrol.c; kernel-spec A22, A34): uncharge each folio of
 * a free batch from its cgroup (root-cgroup LRU pages were never counted) and clear its memcg.
 */
export function mem_cgroup_uncharge_folios(
  folios: FolioTable,
  memcgs: readonly (MemCgroup | null)[],
  batch: Int32Array,
  count: number,
): void {
  for (let i = 0; i < count; i++) {
    const pfn = batch[i] as number;
    const id = folios.memcg[pfn] as number;
    if (id === ROOT_MEM_CGROUP) continue;
    (memcgs[id] as MemCgroup).page_counter_uncharge(folios.nr(pfn));
    folios.memcg[pfn] = ROOT_MEM_CGROUP;
  }
}

/** mem_cgroup_uncharge of one folio (__folio_put of a folio freed outside a batch). */
export function mem_cgroup_uncharge(folios: FolioTable, memcgs: readonly (MemCgroup | null)[], pfn: number): void {
  const id = folios.memcg[pfn] as number;
  if (id === ROOT_MEM_CGROUP) return;
  (memcgs[id] as MemCgroup).page_counter_uncharge(folios.nr(pfn));
  folios.memcg[pfn] = ROOT_MEM_CGROUP;
}
