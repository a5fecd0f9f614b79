import { assert } from '../engine/assert.js';
import { NIL, PG_dirty, PG_swapcache, PG_writeback, type FolioTable } from './folio.js';
import { table } from '../engine/tables.js';

/** SWAP_HAS_CACHE: the slot's swap_map byte flag for "a folio in the swap cache owns it". */
export const SWAP_HAS_CACHE = 0x40;
/** SWAPFILE_CLUSTER: slots per swap cluster (HPAGE_PMD_NR with CONFIG_THP_SWAP). */
export const SWAPFILE_CLUSTER = 512;
/** log2(SWAPFILE_CLUSTER): a slot's cluster is slot >>> SWAPFILE_CLUSTER_SHIFT. */
const SWAPFILE_CLUSTER_SHIFT = 9;
/** Orders a cluster may serve: 0 … HPAGE_PMD_ORDER. */
const SWAPFILE_CLUSTER_ORDERS = 10;

/**
 * One swap area (struct swap_info_struct) and its swap cache: per slot the swap_map count
 * (PTE references) plus SWAP_HAS_CACHE, and the page caching it (the swap cache's xarray
 * holds the folio at every index of its slots; here each slot names its own page, and
 * `folio_head` gives the folio). Single slots are handed out in ascending order from a
 * moving cursor, as the cluster allocator does for one CPU, so consecutive pageouts get
 * adjacent slots and their bios can merge. A large folio gets a naturally aligned run of
 * slots inside a cluster reserved for its order (cluster_alloc_swap_entry), and only on a
 * non-rotational device: a rotational one has no cluster_info (SWP_SOLIDSTATE unset at
 * swapon), and scan_swap_map_slots refuses order > 0.
 */
export class SwapInfo {
  readonly swap_map: Uint8Array;
  readonly swap_cache: Int32Array;
  /** sis->zeromap: the slot holds a zero-filled page, stored without I/O. */
  readonly zeromap: Uint8Array;
  /** The slot's page is held compressed by zswap, not on the device. */
  readonly zswapped: Uint8Array;
  inuse_pages = 0;
  private cursor = 1;
  /** Slots in use per cluster, and the next run of the cluster each order > 0 allocates from (NIL: none). */
  private readonly cluster_inuse: Int32Array;
  private readonly cluster_next = new Int32Array(SWAPFILE_CLUSTER_ORDERS).fill(NIL);

  constructor(
    readonly nr_slots: number,
    /** SWP_SYNCHRONOUS_IO: the device completes I/O inside submission (zram). */
    readonly synchronous_io: boolean,
    /** The device is rotational (!bdev_nonrot): no clusters, so no slot runs for large folios. */
    readonly rotational = false,
  ) {
    this.swap_map = table(Uint8Array, nr_slots);
    this.swap_cache = table(Int32Array, nr_slots).fill(NIL);
    this.zeromap = table(Uint8Array, nr_slots);
    this.zswapped = table(Uint8Array, nr_slots);
    this.cluster_inuse = table(Int32Array, Math.ceil(nr_slots / SWAPFILE_CLUSTER));
  }

  /** get_swap_pages for one slot, marked SWAP_HAS_CACHE; NIL when swap is full. Slot 0 is the header. */
  alloc_slot(): number {
    for (let scanned = 0; scanned < this.nr_slots; scanned++) {
      const slot = this.cursor;
      this.cursor = this.cursor + 1 >= this.nr_slots ? 1 : this.cursor + 1;
      if (slot !== 0 && this.swap_map[slot] === 0) {
        this.take_slot(slot);
        return slot;
      }
    }
    return NIL;
  }

  private take_slot(slot: number): void {
    this.swap_map[slot] = SWAP_HAS_CACHE;
    this.inuse_pages++;
    const cluster = slot >>> SWAPFILE_CLUSTER_SHIFT;
    this.cluster_inuse[cluster] = (this.cluster_inuse[cluster] as number) + 1;
  }

  /**
   * get_swap_pages for a folio of `order`: the first of 2^order contiguous slots marked
   * SWAP_HAS_CACHE, or NIL. Order 0 is alloc_slot. A larger order needs clusters (a
   * non-rotational device); it takes the next aligned free run of the cluster its order is
   * filling, else a wholly free cluster (the order's new per-CPU cluster); with neither,
   * it fails and reclaim splits the folio (the kernel would also reuse partly filled
   * clusters of the same order, which the model does not track).
   */
  alloc_slots(order: number): number {
    if (order === 0) return this.alloc_slot();
    if (this.rotational) return NIL;
    const nr = 1 << order;
    for (let tries = 0; tries < 2; tries++) {
      for (let run = this.cluster_next[order] as number; run !== NIL; run = this.cluster_next[order]) {
        const end = run + nr;
        this.cluster_next[order] = end % SWAPFILE_CLUSTER === 0 || end >= this.nr_slots ? NIL : end;
        if (end <= this.nr_slots && this.run_free(run, nr)) {
          for (let slot = run; slot < end; slot++) this.take_slot(slot);
          return run;
        }
      }
      const cluster = this.free_cluster();
      if (cluster === NIL) return NIL;
      this.cluster_next[order] = cluster * SWAPFILE_CLUSTER;
    }
    return NIL;
  }

  private run_free(first: number, nr: number): boolean {
    for (let slot = first; slot < first + nr; slot++) if (slot === 0 || this.swap_map[slot] !== 0) return false;
    return true;
  }

  /** The first cluster with no slot in use (the header's, 0, never is), or NIL. */
  private free_cluster(): number {
    const full = Math.floor(this.nr_slots / SWAPFILE_CLUSTER);
    for (let cluster = 1; cluster < full; cluster++) if (this.cluster_inuse[cluster] === 0) return cluster;
    return NIL;
  }

  /** The slot is free again: its zeromap bit goes with it (swap_entry_range_free). */
  private slot_freed(slot: number): void {
    this.inuse_pages--;
    const cluster = slot >>> SWAPFILE_CLUSTER_SHIFT;
    this.cluster_inuse[cluster] = (this.cluster_inuse[cluster] as number) - 1;
    this.zeromap[slot] = 0;
    this.zswapped[slot] = 0;
  }

  /** __swap_count: PTE references to the slot. */
  swap_count(slot: number): number {
    return (this.swap_map[slot] as number) & ~SWAP_HAS_CACHE;
  }

  /** swap_duplicate: a PTE now refers to the slot. */
  swap_duplicate(slot: number): void {
    assert(this.swap_map[slot] !== 0, () => `swap_duplicate of free slot ${slot}`);
    this.swap_map[slot] = (this.swap_map[slot] as number) + 1;
  }

  /** swap_free: a PTE reference is gone; the slot is freed when nothing refers to it. */
  swap_free(slot: number): void {
    assert(this.swap_count(slot) > 0, () => `swap_free of slot ${slot} without references`);
    this.swap_map[slot] = (this.swap_map[slot] as number) - 1;
    if (this.swap_map[slot] === 0) this.slot_freed(slot);
  }

  /** put_swap_folio: the swap cache gives up the folio's `nr` slots from `slot`. */
  put_swap_folio(slot: number, nr = 1): void {
    for (let s = slot; s < slot + nr; s++) {
      assert(((this.swap_map[s] as number) & SWAP_HAS_CACHE) !== 0, () => `put_swap_folio of slot ${s} not cached`);
      this.swap_map[s] = (this.swap_map[s] as number) & ~SWAP_HAS_CACHE;
      if (this.swap_map[s] === 0) this.slot_freed(s);
    }
  }

  /**
   * add_to_swap_cache: the folio caches its slots from `slot`, page i at slot + i (takes a
   * reference per page, folio_ref_add, and sets PG_swapcache).
   */
  add_to_swap_cache(folios: FolioTable, pfn: number, slot: number): void {
    const nr = folios.nr(pfn);
    for (let i = 0; i < nr; i++) {
      assert(this.swap_cache[slot + i] === NIL, () => `slot ${slot + i} already cached`);
      this.swap_cache[slot + i] = pfn + i;
      folios.swap[pfn + i] = slot + i;
    }
    folios.set(pfn, PG_swapcache);
    folios.ref_add(pfn, nr);
  }

  /** __delete_from_swap_cache: drops the folio's swap-cache membership (the caller handles references). */
  delete_from_swap_cache(folios: FolioTable, pfn: number): void {
    const nr = folios.nr(pfn);
    for (let i = 0; i < nr; i++) {
      const slot = folios.swap[pfn + i] as number;
      assert(this.swap_cache[slot] === pfn + i, () => `page ${pfn + i} not cached at slot ${slot}`);
      this.swap_cache[slot] = NIL;
      folios.swap[pfn + i] = NIL;
    }
    folios.clear(pfn, PG_swapcache);
  }

  /** folio_swapped: a PTE still refers to one of the folio's slots. */
  folio_swapped(folios: FolioTable, pfn: number): boolean {
    const slot = folios.swap[pfn] as number;
    const nr = folios.nr(pfn);
    if (nr === 1) return this.swap_count(slot) > 0;
    for (let s = slot; s < slot + nr; s++) if (this.swap_count(s) > 0) return true;
    return false;
  }

  /**
   * folio_free_swap: if no PTE refers to any of the folio's slots and it is not under
   * writeback, drop it from the swap cache and free the slots; the folio is then marked dirty
   * (its only copy is in memory again).
   */
  folio_free_swap(folios: FolioTable, pfn: number): boolean {
    if (!folios.test(pfn, PG_swapcache) || folios.test(pfn, PG_writeback)) return false;
    if (this.folio_swapped(folios, pfn)) return false;
    const slot = folios.swap[pfn] as number;
    const nr = folios.nr(pfn);
    this.delete_from_swap_cache(folios, pfn);
    this.put_swap_folio(slot, nr);
    assert(!folios.ref_sub(pfn, nr), () => `folio_free_swap dropped the last reference of folio ${pfn}`);
    folios.set(pfn, PG_dirty);
    return true;
  }

  /** get_nr_swap_pages: free slots (slot 0 is the header). */
  get_nr_swap_pages(): number {
    return this.nr_slots - 1 - this.inuse_pages;
  }

  /** vm_swap_full: fewer than half the usable slots free (mem_cgroup_swap_full without a memcg limit). */
  swap_full(): boolean {
    return this.get_nr_swap_pages() * 2 < this.nr_slots - 1;
  }
}
