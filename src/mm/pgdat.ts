import type { MmStruct } from './mm_struct.js';
import { FolioTable } from './folio.js';
import { Lruvec } from './lru.js';
import { SwapInfo } from './swap.js';
import { make_vm_events, type VmEvents } from './vmstat.js';

/**
 * The one memory node modelled (pg_data_t): its page frames, LRU lists, the swap area and
 * the address spaces of the processes, plus the vm event counters.
 */
export class PgData {
  readonly vm: VmEvents = make_vm_events();
  readonly folios: FolioTable;
  readonly lruvec: Lruvec;
  readonly swap: SwapInfo;
  readonly mms: MmStruct[] = [];

  constructor(nr_pages: number, nr_cpus: number, nr_swap_slots: number, swap_synchronous_io: boolean) {
    this.folios = new FolioTable(nr_pages);
    this.lruvec = new Lruvec(this.folios, nr_cpus, this.vm);
    this.swap = new SwapInfo(nr_swap_slots, swap_synchronous_io);
  }
}
