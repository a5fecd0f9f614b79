import { assert } from '../engine/assert.js';
import {
  FolioList,
  LRU_GEN_MASK,
  PG_active,
  PG_dirty,
  PG_locked,
  PG_lru,
  PG_swapbacked,
  PG_unevictable,
  type FolioTable,
} from './folio.js';
import { LruGenFolio } from './lru_gen.js';
import { mem_cgroup_uncharge, type MemCgroup } from './memcontrol.js';
import type { VmEvents } from './vmstat.js';

/** enum lru_list */
export const LRU_INACTIVE_ANON = 0;
export const LRU_ACTIVE_ANON = 1;
export const LRU_INACTIVE_FILE = 2;
export const LRU_ACTIVE_FILE = 3;
export const LRU_UNEVICTABLE = 4;
export const NR_LRU_LISTS = 5;
/** LRU_ACTIVE: offset from an inactive list to its active list. */
export const LRU_ACTIVE = 1;

/** PAGEVEC_SIZE: capacity of a folio_batch. */
export const PAGEVEC_SIZE = 31;

/**
 * The LRU of one memory cgroup on the one memory node modelled (struct lruvec,
 * mem_cgroup_lruvec): the root cgroup's holds every folio not charged to a child cgroup.
 * Every adder, mover and deleter goes through lruvec_add_folio, lruvec_add_folio_tail and
 * lruvec_del_folio (include/linux/mm_inline.h), the one place that chooses between the LRU
 * policies: the multi-generational LRU's generations (mm/lru_gen.ts) when lru_gen_enabled(),
 * else the classic active/inactive lists kept here (which also take unevictable folios under
 * either). Also the reclaim cost averages lru_note_cost keeps for get_scan_count.
 */
export class Lruvec {
  /** The classic lists (lruvec->lists), by enum lru_list; only this class touches them. */
  private readonly lists: FolioList[] = [];
  /** lruvec->anon_cost, lruvec->file_cost (mm/swap.c lru_note_cost). */
  anon_cost = 0;
  file_cost = 0;
  /** lruvec->lrugen when the multi-gen LRU is enabled (lrugen->enabled), else null. */
  readonly lrugen: LruGenFolio | null;

  constructor(
    private readonly folios: FolioTable,
    /** The memory cgroup whose lists these are (0: root). */
    readonly memcg_id: number,
    /** lru_gen_enabled() at lru_gen_init_lruvec. */
    lru_gen_enabled = false,
  ) {
    for (let i = 0; i < NR_LRU_LISTS; i++) this.lists.push(new FolioList(folios));
    this.lrugen = lru_gen_enabled ? new LruGenFolio(folios) : null;
  }

  /** folio_lru_list: which classic list a folio belongs on from its flags. */
  folio_lru_list(pfn: number): number {
    const f = this.folios;
    if (f.test(pfn, PG_unevictable)) return LRU_UNEVICTABLE;
    const base = f.test(pfn, PG_swapbacked) ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
    return f.test(pfn, PG_active) ? base + 1 : base;
  }

  /** lruvec_add_folio (mm_inline.h): into a generation (lru_gen_add_folio), else at the head of its list. */
  lruvec_add_folio(pfn: number): void {
    if (this.lrugen !== null && this.lrugen.lru_gen_add_folio(pfn, false)) return;
    (this.lists[this.folio_lru_list(pfn)] as FolioList).add(pfn);
  }

  /** lruvec_add_folio_tail (mm_inline.h): at the tail of its list or generation (lru_move_tail's rotation). */
  lruvec_add_folio_tail(pfn: number): void {
    if (this.lrugen !== null && this.lrugen.lru_gen_add_folio(pfn, true)) return;
    (this.lists[this.folio_lru_list(pfn)] as FolioList).add_tail(pfn);
  }

  /** lruvec_del_folio (mm_inline.h): off its generation (lru_gen_del_folio, not reclaiming) or list. */
  lruvec_del_folio(pfn: number): void {
    if (this.lrugen !== null && this.lrugen.lru_gen_del_folio(pfn, false)) return;
    (this.lists[this.folio_lru_list(pfn)] as FolioList).del(pfn);
  }

  /**
   * lruvec_lru_size: pages (not folios) on one list of this lruvec; under the multi-gen LRU
   * the evictable lists' sizes are its active/inactive view (lru_gen_update_size).
   */
  lru_size(lru: number): number {
    const pages = (this.lists[lru] as FolioList).pages;
    if (this.lrugen === null || lru === LRU_UNEVICTABLE) return pages;
    return pages + (this.lrugen.lru_size[lru] as number);
  }

  /** The list a listed folio is on (for a split that inserts its new folios beside it). */
  folio_list(pfn: number): FolioList {
    if (this.lrugen !== null && ((this.folios.flags[pfn] as number) & LRU_GEN_MASK) !== 0) return this.lrugen.folio_list(pfn);
    return this.lists[this.folio_lru_list(pfn)] as FolioList;
  }

  /** Folios on all of this lruvec's lists and generations (for the end-of-run accounting). */
  nr_listed_folios(): number {
    let n = this.lrugen === null ? 0 : this.lrugen.nr_listed_folios();
    for (const list of this.lists) n += list.count;
    return n;
  }

  /** The folio at the head (newest end) of classic list `lru`, NIL when it is empty. */
  lru_head(lru: number): number {
    return (this.lists[lru] as FolioList).head;
  }

  /** The folio at the tail (oldest end) of classic list `lru`, NIL when it is empty: where isolate_lru_folios takes from. */
  lru_tail(lru: number): number {
    return (this.lists[lru] as FolioList).tail;
  }

  /** list_move of a folio at the tail of classic list `lru` to its head (isolate_lru_folios skipping a folio). */
  lru_rotate_to_head(lru: number, pfn: number): void {
    const list = this.lists[lru] as FolioList;
    list.del(pfn);
    list.add(pfn);
  }

  /** list_del of a folio from classic list `lru` by a classic isolator that knows the list. */
  lru_del(lru: number, pfn: number): void {
    (this.lists[lru] as FolioList).del(pfn);
  }
}

/** The move a per-CPU batch applies at drain (lru_add, lru_move_tail, lru_activate of mm/swap.c). */
type BatchMove = 'lru_add' | 'lru_move_tail' | 'lru_activate';

/**
 * A per-CPU folio_batch of pending LRU moves (mm/swap.c cpu_fbatches): each entry holds a
 * reference until the batch is drained.
 */
class FolioBatch {
  readonly folios = new Int32Array(PAGEVEC_SIZE);
  count = 0;
}

/**
 * The per-CPU batches that delay LRU additions, rotations and activations (mm/swap.c
 * cpu_fbatches: lru_add, lru_move_tail, lru_activate), node-wide: at drain each folio goes to the lruvec of the memory
 * cgroup it is charged to (folio_lruvec).
 */
export class CpuFbatches {
  private readonly lru_add: FolioBatch[] = [];
  private readonly lru_move_tail: FolioBatch[] = [];
  private readonly lru_activate: FolioBatch[] = [];
  /** The root cgroup's lruvec, the only one when no cgroup is configured. */
  private readonly root: Lruvec;
  private readonly single_lruvec: boolean;
  /** lru_gen_enabled() */
  private readonly lru_gen: boolean;

  constructor(
    private readonly folios: FolioTable,
    nr_cpus: number,
    private readonly vm: VmEvents,
    /** mem_cgroup_lruvec of each memory cgroup, by id. */
    private readonly lruvecs: readonly Lruvec[],
    /** The memory cgroups by id (null: the root), to uncharge a folio released here. */
    private readonly memcgs: readonly (MemCgroup | null)[],
  ) {
    for (let cpu = 0; cpu < nr_cpus; cpu++) {
      this.lru_add.push(new FolioBatch());
      this.lru_move_tail.push(new FolioBatch());
      this.lru_activate.push(new FolioBatch());
    }
    this.root = lruvecs[0] as Lruvec;
    this.single_lruvec = lruvecs.length === 1;
    this.lru_gen = this.root.lrugen !== null;
  }

  /** folio_lruvec: the lruvec of the memory cgroup the folio is charged to. */
  folio_lruvec(pfn: number): Lruvec {
    if (this.single_lruvec) return this.root;
    return this.lruvecs[this.folios.memcg[pfn] as number] as Lruvec;
  }

  /**
   * folio_isolate_lru: take a folio off its LRU list for a reclaimer, with a reference of its
   * own. False if it is not on an LRU (still in a per-CPU batch, or isolated by another).
   */
  folio_isolate_lru(pfn: number): boolean {
    const f = this.folios;
    if (!f.test_clear(pfn, PG_lru)) return false;
    f.get(pfn);
    this.folio_lruvec(pfn).lruvec_del_folio(pfn);
    return true;
  }

  /**
   * folio_add_lru: queue a folio for the LRU on this CPU's lru_add batch (takes a reference).
   * Under the multi-gen LRU a folio added in a page fault (`in_fault`: lru_gen_in_fault, set
   * around handle_mm_fault; no VMA here has VM_SEQ_READ/VM_RAND_READ) is marked active, so it
   * enters the youngest generation.
   */
  folio_add_lru(cpu: number, pfn: number, in_fault = false): void {
    const f = this.folios;
    assert(!f.test(pfn, PG_lru), () => `folio_add_lru of folio ${pfn} already on the LRU`);
    if (in_fault && this.lru_gen && !f.test(pfn, PG_unevictable)) f.set(pfn, PG_active);
    this.batch_add(this.lru_add[cpu] as FolioBatch, pfn, 'lru_add');
  }

  /**
   * folio_putback_lru: back to the LRU through the batch, dropping the isolation reference
   * (the last one, if the batch drained meanwhile and the folio lost its mapping to a zap).
   */
  folio_putback_lru(cpu: number, pfn: number): void {
    this.folio_add_lru(cpu, pfn);
    this.folio_put(pfn);
  }

  /**
   * folio_rotate_reclaimable (called by folio_end_writeback for PG_reclaim folios): if the
   * folio is on the LRU, unlocked, clean and evictable, queue a move to the inactive tail on
   * this CPU's lru_move_tail batch (kernel-spec F7).
   */
  folio_rotate_reclaimable(cpu: number, pfn: number): void {
    const f = this.folios;
    if (f.test(pfn, PG_locked) || f.test(pfn, PG_dirty) || f.test(pfn, PG_unevictable) || !f.test(pfn, PG_lru)) {
      return;
    }
    this.batch_add(this.lru_move_tail[cpu] as FolioBatch, pfn, 'lru_move_tail');
  }

  /**
   * folio_activate (mm/swap.c): queue an inactive, evictable folio on the LRU for activation
   * on this CPU's lru_activate batch. Only the multi-gen LRU's look-around calls it here.
   */
  folio_activate(cpu: number, pfn: number): void {
    const f = this.folios;
    if (f.test(pfn, PG_active) || f.test(pfn, PG_unevictable) || !f.test(pfn, PG_lru)) return;
    this.batch_add(this.lru_activate[cpu] as FolioBatch, pfn, 'lru_activate');
  }

  /** lru_add_drain: drain this CPU's batches. */
  lru_add_drain(cpu: number): void {
    this.move_lru(this.lru_add[cpu] as FolioBatch, 'lru_add');
    this.move_lru(this.lru_move_tail[cpu] as FolioBatch, 'lru_move_tail');
    const activate = this.lru_activate[cpu] as FolioBatch;
    if (activate.count > 0) this.move_lru(activate, 'lru_activate');
  }

  /** Calls `visit` for each entry of every per-CPU batch (each holds a reference). */
  for_each_batched(visit: (pfn: number) => void): void {
    for (const b of [...this.lru_add, ...this.lru_move_tail, ...this.lru_activate]) for (let i = 0; i < b.count; i++) visit(b.folios[i] as number);
  }

  /** Folios waiting in per-CPU batches (for the end-of-run accounting). */
  nr_batched(): number {
    let n = 0;
    for (const b of this.lru_add) n += b.count;
    for (const b of this.lru_move_tail) n += b.count;
    for (const b of this.lru_activate) n += b.count;
    return n;
  }

  /** __folio_batch_add_and_move: add with a reference; a full batch (or a large folio) drains. */
  private batch_add(batch: FolioBatch, pfn: number, move: BatchMove): void {
    this.folios.get(pfn);
    batch.folios[batch.count++] = pfn;
    if (batch.count === PAGEVEC_SIZE || this.folios.order[pfn] !== 0) this.move_lru(batch, move);
  }

  /** folio_batch_move_lru: apply the move to each folio, then drop the batch's references. */
  private move_lru(batch: FolioBatch, move: BatchMove): void {
    const f = this.folios;
    for (let i = 0; i < batch.count; i++) {
      const pfn = batch.folios[i] as number;
      const lruvec = this.folio_lruvec(pfn);
      if (move === 'lru_add') {
        lruvec.lruvec_add_folio(pfn);
      } else if (move === 'lru_activate') {
        // lru_activate: PGACTIVATE (the cgroup's memory.stat count is not kept).
        if (!f.test_clear(pfn, PG_lru)) continue;
        if (!f.test(pfn, PG_active) && !f.test(pfn, PG_unevictable)) {
          lruvec.lruvec_del_folio(pfn);
          f.set(pfn, PG_active);
          lruvec.lruvec_add_folio(pfn);
          this.vm.pgactivate += f.nr(pfn);
        }
      } else {
        // Skipped if isolated meanwhile (PG_lru clear).
        if (!f.test_clear(pfn, PG_lru)) continue;
        if (!f.test(pfn, PG_unevictable)) {
          lruvec.lruvec_del_folio(pfn);
          f.clear(pfn, PG_active);
          lruvec.lruvec_add_folio_tail(pfn);
          this.vm.pgrotated += f.nr(pfn);
        }
      }
      f.set(pfn, PG_lru);
    }
    // folios_put: a folio whose other references went meanwhile (its mapping zapped) is freed.
    for (let i = 0; i < batch.count; i++) {
      const pfn = batch.folios[i] as number;
      if (f.put(pfn)) this.free_folio(pfn);
    }
    batch.count = 0;
  }

  /**
   * folio_put of an order-0 anonymous folio (__folio_put): when it was the last reference,
   * take the folio off its LRU list (__page_cache_release), uncharge and free it.
   */
  folio_put(pfn: number): void {
    if (this.folios.put(pfn)) this.free_folio(pfn);
  }

  /** __page_cache_release + mem_cgroup_uncharge + free_unref_page of a folio without references. */
  private free_folio(pfn: number): void {
    const f = this.folios;
    if (f.test(pfn, PG_lru)) this.folio_lruvec(pfn).lruvec_del_folio(pfn);
    f.clear(pfn, PG_lru | PG_active | PG_unevictable);
    mem_cgroup_uncharge(f, this.memcgs, pfn);
    this.vm.pgfree += f.nr(pfn);
    f.free(pfn);
  }
}
