/** What swap I/O tells an observer (the oracle). */
export interface BlockProbe {
  /** The folio's contents are being written: from here on, a write to it could be lost. */
  writeback_start(pfn: number): void;
  /** A swap-in filled folio `pfn` with the contents of `slot`. */
  swap_read(pfn: number, slot: number): void;
}
