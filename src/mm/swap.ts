import { assert } from '../engine/assert.js';
import { NIL, PG_dirty, PG_swapcache, PG_writeback, type FolioTable } from './folio.js';
import { table } from '../engine/tables.js';

/** SWAP_HAS_CACHE: the slot's swap_map byte flag for "a folio in the swap cache owns it". */
export const SWAP_HAS_CACHE = 0x40;

/**
 * One swap area (struct swap_info_struct) and its swap cache: per slot the swap_map count
 * (PTE references) plus SWAP_HAS_CACHE, and the folio caching it. Slots are handed out in
 * ascending order from a moving cursor, as the cluster allocator does for one CPU, so
 * consecutive pageouts get adjacent slots and their bios can merge.
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

  constructor(
    readonly nr_slots: number,
    /** SWP_SYNCHRONOUS_IO: the device completes I/O inside submission (zram). */
    readonly synchronous_io: boolean,
  ) {
    this.swap_map = table(Uint8Array, nr_slots);
    this.swap_cache = table(Int32Array, nr_slots).fill(NIL);
    this.zeromap = table(Uint8Array, nr_slots);
    this.zswapped = table(Uint8Array, nr_slots);
  }

  /** get_swap_pages for one slot, marked SWAP_HAS_CACHE; NIL when swap is full. Slot 0 is the header. */
  alloc_slot(): number {
    for (let scanned = 0; scanned < this.nr_slots; scanned++) {
      const slot = this.cursor;
      this.cursor = this.cursor + 1 >= this.nr_slots ? 1 : this.cursor + 1;
      if (slot !== 0 && this.swap_map[slot] === 0) {
        this.swap_map[slot] = SWAP_HAS_CACHE;
        this.inuse_pages++;
        return slot;
      }
    }
    return NIL;
  }

  /** The slot is free again: its zeromap bit goes with it (swap_entry_range_free). */
  private slot_freed(slot: number): void {
    this.inuse_pages--;
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

  /** put_swap_folio: the swap cache gives up the slot. */
  put_swap_folio(slot: number): void {
    assert(((this.swap_map[slot] as number) & SWAP_HAS_CACHE) !== 0, () => `put_swap_folio of slot ${slot} not cached`);
    this.swap_map[slot] = (this.swap_map[slot] as number) & ~SWAP_HAS_CACHE;
    if (this.swap_map[slot] === 0) this.slot_freed(slot);
  }

  /** add_to_swap_cache: the folio caches the slot (takes a reference, sets PG_swapcache). */
  add_to_swap_cache(folios: FolioTable, pfn: number, slot: number): void {
    assert(this.swap_cache[slot] === NIL, () => `slot ${slot} already cached`);
    this.swap_cache[slot] = pfn;
    folios.swap[pfn] = slot;
    folios.set(pfn, PG_swapcache);
    folios.get(pfn);
  }

  /** __delete_from_swap_cache: drops the folio's swap-cache membership (the caller handles references). */
  delete_from_swap_cache(folios: FolioTable, pfn: number): void {
    const slot = folios.swap[pfn] as number;
    assert(this.swap_cache[slot] === pfn, () => `folio ${pfn} not cached at slot ${slot}`);
    this.swap_cache[slot] = NIL;
    folios.swap[pfn] = NIL;
    folios.clear(pfn, PG_swapcache);
  }

  /**
   * folio_free_swap: if no PTE refers to the slot any more and the folio is not under
   * writeback, drop it from the swap cache and free the slot; the folio is then marked dirty
   * (its only copy is in memory again).
   */
  folio_free_swap(folios: FolioTable, pfn: number): boolean {
    if (!folios.test(pfn, PG_swapcache) || folios.test(pfn, PG_writeback)) return false;
    const slot = folios.swap[pfn] as number;
    if (this.swap_count(slot) > 0) return false;
    this.delete_from_swap_cache(folios, pfn);
    this.put_swap_folio(slot);
    folios.put(pfn);
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
