import type { Kernel } from '../reclaim/kernel.js';
import type { MmStruct, Vma } from '../mm/mm_struct.js';
import { populate_anon_page } from './fault.js';

/**
 * Setup before time starts: every page of `vma` written once (a write fault each), as the
 * experiment's program does before it measures. The folios end on the inactive anon LRU with
 * dirty PTEs; the per-CPU LRU batch is drained as at the start of madvise_pageout. Costs no
 * simulated time and counts no events: the run measures what follows.
 */
export function populate_written(k: Kernel, cpu: number, mm: MmStruct, vma: Vma): void {
  const vm = k.pgdat.vm;
  const pgfault = vm.pgfault;
  for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) populate_anon_page(k, cpu, mm, vpn, true);
  k.pgdat.fbatches.lru_add_drain(cpu);
  vm.pgfault = pgfault;
}
