import type { Kernel } from '../reclaim/kernel.js';
import type { MmStruct, Vma } from '../mm/mm_struct.js';
import { populate_anon_folio, populate_anon_page } from './fault.js';

/**
 * Setup before time starts: every page of `vma` written once (a write fault each), as the
 * experiment's program does before it measures; `zero_percent` of them, spread evenly, are
 * written with zeros (their frames stay zero-filled). The folios end on the inactive anon LRU
 * with dirty PTEs; the per-CPU LRU batch is drained as at the start of madvise_pageout. Costs
 * no simulated time and counts no events but the THP allocations: the run measures what
 * follows.
 *
 * A VMA with THP orders (vma.thp_orders) is backed with large folios as the fault path would:
 * each fault takes the largest enabled order whose aligned range lies inside the VMA and is
 * still unmapped, falling back to smaller ones when no block of that size is free.
 */
export function populate_written(k: Kernel, cpu: number, mm: MmStruct, vma: Vma, zero_percent = 0): void {
  const thp_orders = vma.thp_orders;
  const vm = k.pgdat.vm;
  const pgfault = vm.pgfault;
  for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) {
    if (thp_orders === 0) populate_anon_page(k, cpu, mm, vpn, true);
    else if ((mm.pte[vpn] as number) === 0 && !populate_large(k, cpu, mm, vma, vpn, thp_orders)) populate_anon_page(k, cpu, mm, vpn, true);
    const zero = ((vpn - vma.start_vpn) * zero_percent) % 100 < zero_percent;
    k.pgdat.folios.zero_filled[mm.pte_val[vpn] as number] = zero ? 1 : 0;
  }
  mm.pte_tables_made(vma.start_vpn, vma.end_vpn);
  mm.anon_vma_ready = true;
  k.pgdat.fbatches.lru_add_drain(cpu);
  vm.pgfault = pgfault;
}

/** A write fault at `vpn` backed by the largest enabled order that fits (see populate_written); false if none did. */
function populate_large(k: Kernel, cpu: number, mm: MmStruct, vma: Vma, vpn: number, thp_orders: number): boolean {
  for (let order = 31 - Math.clz32(thp_orders); order > 0; order--) {
    if ((thp_orders & (1 << order)) === 0) continue;
    const nr = 1 << order;
    if (vpn % nr !== 0 || vpn + nr > vma.end_vpn) continue;
    if (populate_anon_folio(k, cpu, mm, vpn, order, true)) return true;
  }
  return false;
}
