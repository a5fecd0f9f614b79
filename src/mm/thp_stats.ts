import { HPAGE_PMD_ORDER } from './folio.js';

/**
 * The THP event counters of /proc/vmstat (mm/vmstat.c vmstat_text[], CONFIG_TRANSPARENT_HUGEPAGE),
 * same names. Kept apart from VmEvents so that a run without THP reports exactly what it did
 * before large folios existed.
 */
export interface ThpEvents {
  thp_fault_alloc: number;
  thp_fault_fallback: number;
  thp_split_page: number;
  thp_split_pmd: number;
  thp_deferred_split_page: number;
  thp_swpout: number;
  thp_swpout_fallback: number;
}

export function make_thp_events(): ThpEvents {
  return { thp_fault_alloc: 0, thp_fault_fallback: 0, thp_split_page: 0, thp_split_pmd: 0, thp_deferred_split_page: 0, thp_swpout: 0, thp_swpout_fallback: 0 };
}

/** The per-size statistics the model keeps, named as the files of hugepages-<size>kB/stats/. */
export const MTHP_STAT_NAMES = ['anon_fault_alloc', 'anon_fault_fallback', 'swpout', 'swpout_fallback', 'split'] as const;
export type MthpStatName = (typeof MTHP_STAT_NAMES)[number];

/**
 * The per-order counters behind /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/stats/
 * (mm/huge_memory.c, count_mthp_stat), for orders 1 … HPAGE_PMD_ORDER.
 */
export class MthpStats {
  readonly stats: Record<MthpStatName, Float64Array>;

  constructor() {
    this.stats = {
      anon_fault_alloc: new Float64Array(HPAGE_PMD_ORDER + 1),
      anon_fault_fallback: new Float64Array(HPAGE_PMD_ORDER + 1),
      swpout: new Float64Array(HPAGE_PMD_ORDER + 1),
      swpout_fallback: new Float64Array(HPAGE_PMD_ORDER + 1),
      split: new Float64Array(HPAGE_PMD_ORDER + 1),
    };
  }

  /** count_mthp_stat: order 0 has no per-size directory. */
  count(order: number, stat: MthpStatName): void {
    if (order === 0) return;
    const a = this.stats[stat];
    a[order] = (a[order] as number) + 1;
  }

  /** The non-zero counters as the sysfs paths name them: { 'hugepages-64kB': { swpout: 3, … }, … }. */
  snapshot(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (let order = 1; order <= HPAGE_PMD_ORDER; order++) {
      const row: Record<string, number> = {};
      let any = false;
      for (const name of MTHP_STAT_NAMES) {
        row[name] = this.stats[name][order] as number;
        if (row[name] !== 0) any = true;
      }
      if (any) out[mthp_dir_name(order)] = row;
    }
    return out;
  }
}

/** The sysfs directory of an order's size: hugepages-64kB for order 4, hugepages-2048kB for 9. */
export function mthp_dir_name(order: number): string {
  return `hugepages-${4 << order}kB`;
}
