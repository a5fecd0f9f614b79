/** What the memory layer tells an observer (the oracle). */
export interface MmProbe {
  /** A folio went back to the page allocator. */
  folio_freed(pfn: number): void;
  /** A folio was allocated (and zero-filled or about to be filled by a read). */
  folio_allocated(pfn: number): void;
}
