import { PG_dirty, type FolioTable } from './folio.js';
import type { AddressSpace, AddressSpaceOperations } from './address_space.js';
import { SWAP_MAPPING } from './address_space.js';
import type { SwapInfo } from './swap.js';

/**
 * swapper_spaces (mm/swap_state.c): the address space of the swap cache. Swap-backed folios
 * report neither dirty nor writeback to reclaim (folio_check_dirty_writeback, A7); the
 * removal gives the slots back; writepage is swap_writepage (block/page_io.ts).
 */
export class SwapperSpace implements AddressSpace {
  readonly id = SWAP_MAPPING;
  a_ops: AddressSpaceOperations | null = null;

  constructor(
    private readonly folios: FolioTable,
    private readonly swap: SwapInfo,
  ) {}

  is_dirty_writeback(_pfn: number): number {
    return 0;
  }

  clear_dirty_for_io(pfn: number): boolean {
    return this.folios.test_clear(pfn, PG_dirty);
  }

  /** __delete_from_swap_cache + put_swap_folio: no shadow is kept for swap (workingset is not modelled for anon). */
  remove_folio(pfn: number, _reclaimed: boolean): void {
    const slot = this.folios.swap[pfn] as number;
    this.swap.delete_from_swap_cache(this.folios, pfn);
    this.swap.put_swap_folio(slot, this.folios.nr(pfn));
  }
}
