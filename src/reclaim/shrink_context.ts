import { AOP_WRITEPAGE_ACTIVATE, folio_mapping, WRITEPAGE_NO_TAG, type AddressSpace, type AddressSpaceOperations } from '../mm/address_space.js';
import { NO_WAIT, Yield, type MayWait } from '../engine/simulator.js';
import {
  FolioList,
  NIL,
  PG_active,
  PG_dirty,
  PG_mlocked,
  PG_reclaim,
  PG_swapbacked,
  PG_swapcache,
  PG_writeback,
} from '../mm/folio.js';
import { PAGEVEC_SIZE } from '../mm/lru.js';
import { mem_cgroup_uncharge_folios } from '../mm/memcontrol.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { folio_mapped } from './rmap.js';
import type { ReclaimStat, ScanControl } from './scan_control.js';
import { try_to_unmap_flush, try_to_unmap_flush_dirty } from './tlb_batch.js';

/** pageout_t */
export const PAGE_KEEP = 0;
export const PAGE_ACTIVATE = 1;
export const PAGE_SUCCESS = 2;
export const PAGE_CLEAN = 3;
/** pageout_nowait: it must wait at the sync point before the write, or for a bio's tag. */
const PAGEOUT_WAIT_SYNC = 4;
const PAGEOUT_WAIT_TAG = 5;

/**
 * One shrink_folio_list call: its lists and totals, and its exits (the kernel's goto labels
 * and the helpers Zhang Peng's 2026 series extracts: folio_activate_locked, folio_free,
 * pageout_one). Strategies move folios through these, so every variant leaves by the same
 * doors as upstream — or, where a posted patch did not, by a door it opens itself.
 */
export class ShrinkContext {
  readonly ret_folios: FolioList;
  /** Folios a strategy holds back for a batched flush (its own list; empty at the start). */
  readonly deferred: FolioList;
  nr_reclaimed = 0;
  pgactivate = 0;
  private nr_free = 0;

  constructor(
    readonly k: Kernel,
    readonly rt: ReclaimTask,
    readonly sc: ScanControl,
    readonly stat: ReclaimStat,
    /** The input list (shmem splits would add to it; kept for strategies that return folios there). */
    readonly folio_list: FolioList,
  ) {
    this.ret_folios = new FolioList(k.pgdat.folios);
    this.deferred = new FolioList(k.pgdat.folios);
  }

  get folios() {
    return this.k.pgdat.folios;
  }

  /** The task's clock, ns: strategies charge their own extra work here. */
  get now_ns(): number {
    return this.rt.task.now_ns;
  }

  set now_ns(t: number) {
    this.rt.task.now_ns = t;
  }

  /** Yields first if events are due before the task's clock (see must_sync). */
  *sync(): Generator<Yield, void, void> {
    if (must_sync(this.k, this.rt)) yield Yield.resume;
  }

  /** must_sync for this call's task, for hot paths that yield inline rather than through sync(). */
  must_sync(): boolean {
    return must_sync(this.k, this.rt);
  }

  /** keep (A29): back to the caller on ret_folios, at its head. */
  keep(pfn: number): void {
    this.ret_folios.add(pfn);
  }

  /** keep_locked (A28) */
  keep_locked(pfn: number): void {
    this.folios.unlock(pfn);
    this.keep(pfn);
  }

  /**
   * activate_locked (A27, folio_activate_locked): release the swap slot if swap is more than
   * half full or the folio is mlocked; set PG_active and count the activation; keep_locked.
   */
  activate_locked(pfn: number): void {
    const f = this.folios;
    if (f.test(pfn, PG_swapcache) && (this.k.pgdat.swap.swap_full() || f.test(pfn, PG_mlocked))) {
      this.k.pgdat.swap.folio_free_swap(f, pfn);
    }
    if (!f.test(pfn, PG_mlocked)) {
      f.set(pfn, PG_active);
      this.stat.nr_activate[f.test(pfn, PG_swapbacked) ? 0 : 1] += f.nr(pfn);
      this.pgactivate += f.nr(pfn);
    }
    this.keep_locked(pfn);
  }

  /**
   * free_it (A22): count the folio reclaimed and add it to the free batch; when the add fills
   * the batch, uncharge, try_to_unmap_flush (A23: no CPU may still translate to a page being
   * freed) and free the batch.
   */
  free_it(pfn: number): MayWait {
    this.nr_reclaimed += this.folios.nr(pfn);
    this.rt.free_folios[this.nr_free++] = pfn;
    return this.nr_free === PAGEVEC_SIZE ? this.free_folio_batch() : NO_WAIT;
  }

  /** mem_cgroup_uncharge_folios + try_to_unmap_flush + free_unref_folios of the free batch (A22, A34). */
  *free_folio_batch(): Generator<Yield, void, void> {
    const pgdat = this.k.pgdat;
    mem_cgroup_uncharge_folios(pgdat.folios, pgdat.memcgs, this.rt.free_folios, this.nr_free);
    yield* try_to_unmap_flush(this.k, this.rt);
    const f = this.folios;
    for (let i = 0; i < this.nr_free; i++) {
      const pfn = this.rt.free_folios[i] as number;
      this.k.pgdat.vm.pgfree += f.nr(pfn);
      f.free(pfn);
    }
    this.rt.task.now_ns += this.nr_free * this.k.machine.cost.free_folio_ns;
    this.nr_free = 0;
  }

  /** try_to_unmap_flush_dirty (B11): flush the task's batch if a deferred PTE was dirty. */
  try_to_unmap_flush_dirty(): MayWait {
    return try_to_unmap_flush_dirty(this.k, this.rt);
  }

  /** folio_mapping != NULL: the folio is in the swap cache or a file's page cache. */
  has_mapping(pfn: number): boolean {
    return folio_mapping(this.folios, pfn) !== NIL;
  }

  /** The address space the folio is cached in (folio_mapping), which must exist. */
  private mapping_of(pfn: number): AddressSpace {
    return this.k.pgdat.mappings[folio_mapping(this.folios, pfn)] as AddressSpace;
  }

  mapped(pfn: number): boolean {
    return folio_mapped(this.k, pfn);
  }

  /**
   * pageout (A18) of a locked, unmapped folio in the swap cache or a file's page cache:
   * someone else holding a reference keeps it; a mapping without writepage activates it; a
   * folio whose dirty bit folio_clear_dirty_for_io clears is written (PG_reclaim set,
   * a_ops->writepage, NR_VMSCAN_WRITE), else it was already clean (PAGE_CLEAN).
   */
  *pageout(pfn: number): Generator<Yield, number, void> {
    const result = this.pageout_nowait(pfn);
    return result >= PAGEOUT_WAIT_SYNC ? yield* this.pageout_wait(pfn, result) : result;
  }

  /**
   * pageout as far as it goes without waiting: its answer, or where it must wait
   * (PAGEOUT_WAIT_SYNC before the write, PAGEOUT_WAIT_TAG for a bio's tag) for pageout_wait
   * to go on from. Cut so because pageout_one runs it once per dirty folio: in the common
   * case it makes no generator.
   */
  private pageout_nowait(pfn: number): number {
    const f = this.folios;
    // is_page_cache_freeable: the isolation reference plus the cache's, one per page.
    if (f.refcount[pfn] !== 1 + f.nr(pfn)) return PAGE_KEEP;
    if (!this.has_mapping(pfn)) return PAGE_KEEP;
    const mapping = this.mapping_of(pfn);
    if (mapping.a_ops === null) return PAGE_ACTIVATE;
    if (!mapping.clear_dirty_for_io(pfn)) return PAGE_CLEAN;
    f.set(pfn, PG_reclaim);
    this.rt.task.now_ns += this.k.machine.cost.pageout_ns;
    if (must_sync(this.k, this.rt)) return PAGEOUT_WAIT_SYNC;
    const res = this.pageout_submit(pfn);
    return res === WRITEPAGE_NO_TAG ? PAGEOUT_WAIT_TAG : this.pageout_end(pfn, res);
  }

  /** The rest of pageout from where pageout_nowait stopped. */
  private *pageout_wait(pfn: number, stopped: number): Generator<Yield, number, void> {
    let res = WRITEPAGE_NO_TAG;
    if (stopped === PAGEOUT_WAIT_SYNC) {
      yield Yield.resume;
      res = this.pageout_submit(pfn);
    }
    if (res === WRITEPAGE_NO_TAG) res = yield* this.a_ops_of(pfn).writepage_wait(this.rt.task, this.rt.cpu, this.rt.plug, pfn);
    return this.pageout_end(pfn, res);
  }

  /** The write itself (a_ops->writepage); WRITEPAGE_NO_TAG when the bio must wait for a tag. */
  private pageout_submit(pfn: number): number {
    this.k.machine.tracer?.write_folio(this.rt.cpu, this.rt.task.now_ns, pfn, this.k.pgdat.swap.synchronous_io);
    return this.a_ops_of(pfn).writepage(this.rt.task, this.rt.cpu, this.rt.plug, pfn);
  }

  /** The folio's mapping's operations, which pageout_nowait found to have writepage. */
  private a_ops_of(pfn: number): AddressSpaceOperations {
    return this.mapping_of(pfn).a_ops as AddressSpaceOperations;
  }

  /** pageout's answer once writepage has: PAGE_ACTIVATE, or PAGE_SUCCESS counted in NR_VMSCAN_WRITE. */
  private pageout_end(pfn: number, res: number): number {
    const f = this.folios;
    if (res === AOP_WRITEPAGE_ACTIVATE) {
      f.clear(pfn, PG_reclaim);
      if (this.k.probe !== null) this.k.probe.pageout_activate(pfn);
      return PAGE_ACTIVATE;
    }
    if (!f.test(pfn, PG_writeback)) f.clear(pfn, PG_reclaim);
    this.k.pgdat.vm.nr_vmscan_write += f.nr(pfn);
    return PAGE_SUCCESS;
  }

  /**
   * __remove_mapping (A21) for a folio in the swap cache or a page cache: freeze the refcount
   * at the isolation and cache references (fail if anyone else holds one, or if the folio was
   * re-dirtied), then the mapping removes it (the swap slot given up; a file's index keeps a
   * shadow entry). Success leaves refcount 0: the caller must free the folio (free_it).
   */
  remove_mapping_frozen(pfn: number, reclaimed = true): boolean {
    const f = this.folios;
    this.rt.task.now_ns += this.k.machine.cost.remove_mapping_ns;
    if (f.refcount[pfn] !== 1 + f.nr(pfn)) return false;
    if (f.test(pfn, PG_dirty)) return false;
    this.mapping_of(pfn).remove_folio(pfn, reclaimed);
    f.refcount[pfn] = 0;
    return true;
  }

  /**
   * remove_mapping (mm/vmscan.c): __remove_mapping without a workingset shadow, then the
   * refcount unfrozen to 1 — for callers that keep the folio, not for reclaim's free path.
   */
  remove_mapping_unfrozen(pfn: number): boolean {
    if (!this.remove_mapping_frozen(pfn, false)) return false;
    this.folios.refcount[pfn] = 1;
    return true;
  }

  /**
   * folio_free (A19-A22) for a locked folio that needs no writing: __remove_mapping and free,
   * or keep_locked when it has no mapping or the freeze fails.
   */
  folio_free(pfn: number): MayWait {
    if (!this.has_mapping(pfn) || !this.remove_mapping_frozen(pfn)) {
      this.keep_locked(pfn);
      return NO_WAIT;
    }
    this.folios.unlock(pfn);
    return this.free_it(pfn);
  }

  /**
   * pageout_one (A17.6): write a locked dirty folio whose TLB flush is done and send it out
   * by the upstream exit for each pageout result; a synchronous write (zram) is re-locked and
   * freed in this pass.
   */
  pageout_one(pfn: number): MayWait {
    const result = this.pageout_nowait(pfn);
    if (result >= PAGEOUT_WAIT_SYNC) return this.pageout_one_wait(pfn, result);
    return this.pageout_exit(pfn, result);
  }

  private *pageout_one_wait(pfn: number, stopped: number): Generator<Yield, void, void> {
    const result = yield* this.pageout_wait(pfn, stopped);
    yield* this.pageout_exit(pfn, result);
  }

  /** pageout_one's exit for pageout's answer: keep, activate, or free (clean, or written synchronously). */
  private pageout_exit(pfn: number, result: number): MayWait {
    const f = this.folios;
    if (result === PAGE_KEEP) return this.exit(this.keep_locked(pfn));
    if (result === PAGE_ACTIVATE) return this.exit(this.activate_locked(pfn));
    if (result === PAGE_SUCCESS) {
      this.stat.nr_pageout += f.nr(pfn);
      if (f.test(pfn, PG_writeback) || f.test(pfn, PG_dirty)) return this.exit(this.keep(pfn));
      // A synchronous write (zram): try to free the folio now.
      if (!f.trylock(pfn)) return this.exit(this.keep(pfn));
      if (f.test(pfn, PG_dirty) || f.test(pfn, PG_writeback)) return this.exit(this.keep_locked(pfn));
    }
    return this.folio_free(pfn);
  }

  /** An exit taken (keep, activate): nothing left to wait for. */
  private exit(_taken: void): MayWait {
    return NO_WAIT;
  }

  /** The end of the call (A34, A35): final flush and free, survivors back on the input list. */
  *finish(): Generator<Yield, number, void> {
    yield* this.free_folio_batch();
    this.folio_list.splice(this.ret_folios);
    this.k.pgdat.vm.pgactivate += this.pgactivate;
    this.k.pgdat.vm.sim_nr_reclaimed += this.nr_reclaimed;
    return this.nr_reclaimed;
  }
}
