/**
 * The multi-gen LRU's PID controller (mm/vmscan.c, 6.12): which type eviction takes from and
 * up to which tier, from the refaults of each tier against what was evicted or protected.
 * NR_HIST_GENS is 1 (Debian builds without CONFIG_LRU_GEN_STATS): one slot of current
 * counters, folded into the averages whenever min_seq advances. The model has no swap
 * shadows yet, so `refaulted` stays 0 and every error is positive (docs/design/mglru.md §2.4):
 * the functions are here so that eviction takes its decisions the way the kernel does.
 */
import { ANON_AND_FILE, LRU_GEN_ANON, LRU_GEN_FILE, MAX_NR_TIERS, MIN_LRU_BATCH, type LruGenFolio } from '../mm/lru_gen.js';
import { MAX_SWAPPINESS } from './scan_control.js';

/** struct ctrl_pos: a tier's refaults against its evicted (+ protected) pages, with a gain. */
export interface CtrlPos {
  refaulted: number;
  total: number;
  gain: number;
}

/** read_ctrl_pos: the averages plus the current slot of `type`'s `tier`; tiers ≥ 1 add what was protected. */
export function read_ctrl_pos(lrugen: LruGenFolio, type: number, tier: number, gain: number): CtrlPos {
  let total = (lrugen.avg_total[type]?.[tier] as number) + (lrugen.evicted[type]?.[tier] as number);
  if (tier > 0) total += lrugen.protected[type]?.[tier - 1] as number;
  return { refaulted: (lrugen.avg_refaulted[type]?.[tier] as number) + (lrugen.refaulted[type]?.[tier] as number), total, gain };
}

/**
 * reset_ctrl_pos: with `carryover` (min_seq of `type` advanced), halve averages plus current
 * counters into the averages and, NR_HIST_GENS being 1, clear the current slot; without
 * (max_seq advanced) there is nothing to do when NR_HIST_GENS is 1.
 */
export function reset_ctrl_pos(lrugen: LruGenFolio, type: number, carryover: boolean): void {
  if (!carryover) return;
  const refaulted = lrugen.refaulted[type] as Float64Array;
  const evicted = lrugen.evicted[type] as Float64Array;
  const prot = lrugen.protected[type] as Float64Array;
  const avg_refaulted = lrugen.avg_refaulted[type] as Float64Array;
  const avg_total = lrugen.avg_total[type] as Float64Array;
  for (let tier = 0; tier < MAX_NR_TIERS; tier++) {
    avg_refaulted[tier] = Math.floor(((avg_refaulted[tier] as number) + (refaulted[tier] as number)) / 2);
    let sum = (avg_total[tier] as number) + (evicted[tier] as number);
    if (tier > 0) sum += prot[tier - 1] as number;
    avg_total[tier] = Math.floor(sum / 2);
    refaulted[tier] = 0;
    evicted[tier] = 0;
    if (tier > 0) prot[tier - 1] = 0;
  }
}

/** positive_ctrl_err: the PV has few refaults (< MIN_LRU_BATCH) or a refault rate no higher than the SP's. */
export function positive_ctrl_err(sp: CtrlPos, pv: CtrlPos): boolean {
  return pv.refaulted < MIN_LRU_BATCH || pv.refaulted * (sp.total + MIN_LRU_BATCH) * sp.gain <= (sp.refaulted + 1) * pv.total * pv.gain;
}

/** get_tier_idx: the last tier of `type` to evict: the tier before the first whose refaults (gain 2) beat tier 0's. */
export function get_tier_idx(lrugen: LruGenFolio, type: number): number {
  const sp = read_ctrl_pos(lrugen, type, 0, 1);
  let tier = 1;
  for (; tier < MAX_NR_TIERS; tier++) {
    if (!positive_ctrl_err(sp, read_ctrl_pos(lrugen, type, tier, 2))) break;
  }
  return tier - 1;
}

/**
 * get_type_to_scan: FILE when anon's first tier against file's (gains swappiness and
 * 200 − swappiness) is a positive error, else ANON; and the last tier of that type to evict,
 * against the other type's first tier.
 */
export function get_type_to_scan(lrugen: LruGenFolio, swappiness: number): { type: number; tier_idx: number } {
  const gain = [swappiness, MAX_SWAPPINESS - swappiness];
  const type = positive_ctrl_err(read_ctrl_pos(lrugen, LRU_GEN_ANON, 0, gain[LRU_GEN_ANON] as number), read_ctrl_pos(lrugen, LRU_GEN_FILE, 0, gain[LRU_GEN_FILE] as number))
    ? LRU_GEN_FILE
    : LRU_GEN_ANON;
  const other = ANON_AND_FILE - 1 - type;
  const sp = read_ctrl_pos(lrugen, other, 0, gain[other] as number);
  let tier = 1;
  for (; tier < MAX_NR_TIERS; tier++) {
    if (!positive_ctrl_err(sp, read_ctrl_pos(lrugen, type, tier, gain[type] as number))) break;
  }
  return { type, tier_idx: tier - 1 };
}
