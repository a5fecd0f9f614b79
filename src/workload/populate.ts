import type { Kernel } from '../reclaim/kernel.js';
import type { MmStruct, Vma } from '../mm/mm_struct.js';
import { populate_anon_page } from './fault.js';

/**
 * Setup before time starts: every page of `vma` written once (a write fault each), as the
 * experiment's program does before it measures; `zero_percent` of them, spread evenly, are
 * written with zeros (their frames stay zero-filled). The folios end on the inactive anon LRU
 * with dirty PTEs; the per-CPU LRU batch is drained as at the start of madvise_pageout. Costs
 * no simulated time and counts no events: the run measures what follows.
 */
export function populate_written(k: Kernel, cpu: number, mm: MmStruct, vma: Vma, zero_percent = 0): void {
  const vm = k.pgdat.vm;
  const pgfault = vm.pgfault;
  for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) {
    populate_anon_page(k, cpu, mm, vpn, true);
    const zero = ((vpn - vma.start_vpn) * zero_percent) % 100 < zero_percent;
    k.pgdat.folios.zero_filled[mm.pte_val[vpn] as number] = zero ? 1 : 0;
  }
  k.pgdat.fbatches.lru_add_drain(cpu);
  vm.pgfault = pgfault;
}
