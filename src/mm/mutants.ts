/**
 * Deliberate one-line defects a test can switch on in the model (mutation testing): each
 * breaks one kernel rule the oracle exists for, so a test can show the oracle catching it
 * while the unbroken model stays clean on the same scenario. Never on outside tests; the
 * model checks a plain boolean where a defect applies.
 */
export interface ModelMutants {
  /** do_swap_page maps a folio whose swap read has not completed (it does not wait for PG_uptodate). */
  readonly swapin_map_before_read: boolean;
  /** try_to_unmap forgets to drop the mapping's folio reference. */
  readonly try_to_unmap_leak_ref: boolean;
  /** swap_writepage of a zero-filled folio does not set the slot's zeromap bit. */
  readonly zeromap_bit_not_set: boolean;
  /** zswap_store answers success without storing anything. */
  readonly zswap_store_nothing: boolean;
  /** flush_tlb_batched_pending does not flush (B12 removed). */
  readonly no_flush_tlb_batched_pending: boolean;
  /**
   * x86's flush_tlb_multi calls on_each_cpu_cond_mask with wait false: the initiator goes on
   * once its IPIs are sent, before the targets ran flush_tlb_func (C8 broken).
   */
  readonly flush_tlb_multi_no_wait: boolean;
  /** move_ptes moves present PTEs without flushing the old range (no flush_tlb_range). */
  readonly mremap_skips_flush: boolean;
  /** wp_page_copy clears the old PTE without flushing it (ptep_clear_flush without the flush). */
  readonly cow_skips_flush: boolean;
  /** dup_mmap write-protects the parent's PTEs without flushing its TLBs (no flush_tlb_mm(oldmm)). */
  readonly fork_skips_flush: boolean;
  /** folio_mkclean write-protects and cleans a PTE without flushing its TLB entries (ptep_clear_flush without the flush). */
  readonly mkclean_skips_flush: boolean;
  /** folio_clear_dirty_for_io of the flusher skips folio_mkclean: it clears PG_dirty with the PTEs still writable and dirty. */
  readonly flusher_skips_mkclean: boolean;
}

export type ModelMutantName = keyof ModelMutants;

export const MODEL_MUTANT_NAMES: readonly ModelMutantName[] = [
  'swapin_map_before_read',
  'try_to_unmap_leak_ref',
  'zeromap_bit_not_set',
  'zswap_store_nothing',
  'no_flush_tlb_batched_pending',
  'flush_tlb_multi_no_wait',
  'mremap_skips_flush',
  'cow_skips_flush',
  'fork_skips_flush',
  'mkclean_skips_flush',
  'flusher_skips_mkclean',
];

/** The mutants named switched on, every other off. */
export function model_mutants(names: readonly ModelMutantName[] = []): ModelMutants {
  return Object.freeze(Object.fromEntries(MODEL_MUTANT_NAMES.map((name) => [name, names.includes(name)])) as unknown as ModelMutants);
}

/** No defect: the model as it is. */
export const NO_MUTANTS: ModelMutants = model_mutants();
