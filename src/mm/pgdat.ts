import { Prng } from '../engine/prng.js';
import type { MmStruct } from './mm_struct.js';
import { FolioTable } from './folio.js';
import { CpuFbatches, Lruvec } from './lru.js';
import { MemcgLru } from './lru_gen_memcg.js';
import { MemCgroup, ROOT_MEM_CGROUP } from './memcontrol.js';
import { SwapInfo } from './swap.js';
import type { AddressSpace } from './address_space.js';
import { SwapperSpace } from './swap_state.js';
import { make_thp_events, MthpStats, type ThpEvents } from './thp_stats.js';
import { make_vm_events, type VmEvents } from './vmstat.js';
import { DEFAULT_WATERMARK_SCALE_FACTOR, Zone } from './zone.js';

/** pgdat->flags bits (enum pgdat_flags). */
export const PGDAT_DIRTY = 1 << 0;
export const PGDAT_WRITEBACK = 1 << 1;

/** The PRNG stream (of the run's seed) the memcg LRU's random bins come from; far from the workload's. */
export const MEMCG_LRU_PRNG_STREAM = 1000;

/** What the node is built with beyond its size: watermark tuning and memory cgroups. */
export interface PgDataOptions {
  /** vm.min_free_kbytes; default computed from the memory size (calculate_min_free_kbytes). */
  min_free_kbytes?: number | undefined;
  /** vm.watermark_scale_factor; default 10. */
  watermark_scale_factor?: number | undefined;
  /** Memory cgroups below the root (one level), ids 1, 2, … in this order. */
  memcgs?: readonly { name: string; max_pages: number }[];
  /** lru_gen_enabled(): every lruvec keeps the multi-gen LRU. */
  lru_gen?: boolean;
  /** The stream the multi-gen LRU's memcg LRU draws its random bins from (default: seed 0's). */
  lru_gen_prng?: Prng;
}

/**
 * The one memory node modelled (pg_data_t): its page frames and its one zone with the
 * watermarks, the LRU lists of each memory cgroup and the per-CPU LRU batches, the swap
 * area, the address spaces of the processes, plus the vm event counters.
 */
export class PgData {
  readonly vm: VmEvents = make_vm_events();
  /** The thp_* lines of /proc/vmstat, and the per-size mTHP stats. */
  readonly thp: ThpEvents = make_thp_events();
  readonly mthp = new MthpStats();
  readonly folios: FolioTable;
  readonly zone: Zone;
  /** mem_cgroup_lruvec of each memory cgroup by id; 0 is the root cgroup's. */
  readonly lruvecs: Lruvec[] = [];
  /** The memory cgroups by id; the root (0) has no page counter and is null. */
  readonly memcgs: (MemCgroup | null)[] = [null];
  readonly fbatches: CpuFbatches;
  readonly swap: SwapInfo;
  /** The address spaces folios are cached in, by id: 0 is the swap space, then each file's. */
  readonly mappings: AddressSpace[] = [];
  readonly mms: MmStruct[] = [];
  /** lru_gen_enabled(): the lruvecs keep the multi-gen LRU. */
  readonly lru_gen_enabled: boolean;
  /** pgdat->memcg_lru under the multi-gen LRU (global reclaim's order of cgroups), else null. */
  readonly memcg_lru: MemcgLru | null;
  /** pgdat->flags (PGDAT_*). */
  flags = 0;
  /** pgdat->kswapd_failures: balance_pgdat runs in a row that reclaimed nothing. */
  kswapd_failures = 0;
  /**
   * The shared reclaim iterator of each cgroup's subtree on this node (mem_cgroup_reclaim_iter,
   * by the id of the subtree's root): the position of the last cgroup handed out (-1: none)
   * and the generation, bumped at each completed round.
   */
  readonly memcg_iter_position: number[] = [-1];
  readonly memcg_iter_generation: number[] = [0];

  constructor(nr_pages: number, nr_cpus: number, nr_swap_slots: number, swap_synchronous_io: boolean, options: PgDataOptions = {}, swap_rotational = false) {
    this.folios = new FolioTable(nr_pages);
    this.zone = new Zone(nr_pages, options.min_free_kbytes, options.watermark_scale_factor ?? DEFAULT_WATERMARK_SCALE_FACTOR);
    const lru_gen = options.lru_gen ?? false;
    this.lru_gen_enabled = lru_gen;
    this.lruvecs.push(new Lruvec(this.folios, ROOT_MEM_CGROUP, lru_gen));
    for (const memcg of options.memcgs ?? []) {
      const id = this.memcgs.length;
      this.memcgs.push(new MemCgroup(id, memcg.name, memcg.max_pages, nr_cpus));
      this.lruvecs.push(new Lruvec(this.folios, id, lru_gen));
      this.memcg_iter_position.push(-1);
      this.memcg_iter_generation.push(0);
    }
    // lru_gen_init_pgdat, then lru_gen_online_memcg of the root and each cgroup as it is created.
    this.memcg_lru = lru_gen ? new MemcgLru(options.lru_gen_prng ?? Prng.stream(0, MEMCG_LRU_PRNG_STREAM)) : null;
    for (const lruvec of this.lruvecs) this.memcg_lru?.lru_gen_online_memcg(lruvec.memcg_id);
    this.fbatches = new CpuFbatches(this.folios, nr_cpus, this.vm, this.lruvecs, this.memcgs);
    this.swap = new SwapInfo(nr_swap_slots, swap_synchronous_io, swap_rotational);
    this.mappings.push(new SwapperSpace(this.folios, this.swap));
  }

  /** The root cgroup's lruvec (every folio when no cgroup is configured). */
  get lruvec(): Lruvec {
    return this.lruvecs[ROOT_MEM_CGROUP] as Lruvec;
  }

  /** node_page_state(NR_LRU_BASE + lru): pages on that list in every cgroup of the node. */
  node_lru_pages(lru: number): number {
    let n = 0;
    for (const lruvec of this.lruvecs) n += lruvec.lru_size(lru);
    return n;
  }
}
