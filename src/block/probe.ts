/** Where a swapped-out page's data is kept: the device, the slot's zeromap bit, or zswap's pool. */
export const SWAP_STORE_DEVICE = 0;
export const SWAP_STORE_ZEROMAP = 1;
export const SWAP_STORE_ZSWAP = 2;

/** What swap I/O tells an observer (the oracle). */
export interface BlockProbe {
  /** swap_writepage starts on the folio for `slot`: nothing of it is stored anywhere yet. */
  swap_write_begin(pfn: number, slot: number): void;
  /** The folio's contents are being written: from here on, a write to it could be lost. */
  writeback_start(pfn: number): void;
  /**
   * The contents written at writeback_start landed in `store` (SWAP_STORE_*): the zeromap bit
   * or zswap's pool at once, the device when the write completes.
   */
  swap_stored(pfn: number, slot: number, store: number): void;
  /** A swap-in of `slot` into folio `pfn` reads from `store` (SWAP_STORE_*). */
  swap_read(pfn: number, slot: number, store: number): void;
  /** The swap-in's data is in folio `pfn` (PG_uptodate is set): its read completed. */
  swap_read_done(pfn: number): void;
}

/** What page-cache I/O tells an observer (the oracle). */
export interface FileIoProbe {
  /** ->writepage starts on the folio: its contents are captured for the disk. */
  file_write_begin(pfn: number): void;
  /** The write of the folio at `index` of file `file` landed on the disk. */
  file_stored(pfn: number, file: number, index: number): void;
  /** A read of `index` of file `file` filled folio `pfn` (PG_uptodate is set). */
  file_read_done(pfn: number, file: number, index: number): void;
}
