/** What the memory layer tells an observer (the oracle). */
export interface MmProbe {
  /** A folio is going back to the page allocator (told before its flags and mapping are cleared). */
  folio_freed(pfn: number): void;
  /** A folio was allocated (and zero-filled or about to be filled by a read). */
  folio_allocated(pfn: number): void;
  /** folio_trylock took the folio's lock (for the task running now). */
  folio_locked(pfn: number): void;
  /** folio_unlock released it. */
  folio_unlocked(pfn: number): void;
}
