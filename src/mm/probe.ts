/** What the memory layer tells an observer (the oracle). */
export interface MmProbe {
  /** A folio went back to the page allocator. */
  folio_freed(pfn: number): void;
}
