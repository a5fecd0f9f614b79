import { table } from '../engine/tables.js';

/** A store's version for a slot where nothing was stored since swap_writepage began. */
const NOTHING = -1;

/** The swap stores by SWAP_STORE_* number, for findings. */
export const STORE_NAMES = ['device', 'zeromap', 'zswap pool'];

/**
 * Where the oracle follows a swapped-out page's data: per slot, the version each store holds
 * — the device, the zeromap bit, zswap's pool (block/probe.ts SWAP_STORE_*) — recorded where
 * the data lands, not where writeback starts, so that a page stored nowhere reads back
 * nothing; and per page frame, the version a swap-in read in flight will bring, which lands
 * when the read completes.
 */
export class SwapData {
  /** By store, then slot: the version stored there, or NOTHING. */
  private readonly stores: Float64Array[];
  /** Per slot: the version captured when its writeback started, landing in a store later. */
  private readonly pending: Float64Array;
  /** Per frame: the version its swap-in read will bring (valid while a read is in flight). */
  private readonly reading: Float64Array;

  constructor(nr_slots: number, nr_pages: number) {
    this.stores = [0, 1, 2].map(() => table(Float64Array, nr_slots).fill(NOTHING));
    this.pending = table(Float64Array, nr_slots).fill(NOTHING);
    this.reading = table(Float64Array, nr_pages);
  }

  /** swap_writepage began for the slot: whatever its stores held is being replaced. */
  write_begin(slot: number): void {
    for (const store of this.stores) store[slot] = NOTHING;
    this.pending[slot] = NOTHING;
  }

  /** The page's contents, at `version`, are being written for the slot. */
  capture(slot: number, version: number): void {
    this.pending[slot] = version;
  }

  /** The captured contents landed in `store`. */
  stored(slot: number, store: number): void {
    (this.stores[store] as Float64Array)[slot] = this.pending[slot] as number;
  }

  /** The version `store` holds for the slot, or null when nothing was stored there. */
  version(slot: number, store: number): number | null {
    const v = (this.stores[store] as Float64Array)[slot] as number;
    return v === NOTHING ? null : v;
  }

  /** A read into `pfn` will bring `version`. */
  read_begin(pfn: number, version: number): void {
    this.reading[pfn] = version;
  }

  /** The version the completed read brought into `pfn`. */
  read_done(pfn: number): number {
    return this.reading[pfn] as number;
  }
}
