import { load_scenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';

/**
 * One scenario of a review suite: a built-in scenario and `--set` overrides, so every entry
 * is reproducible with `reclaimsim compare BASE --set … --strategies upstream,CANDIDATE`.
 */
export interface SuiteEntry {
  id: string;
  base: string;
  set: readonly string[];
  /**
   * Whether the entry's figures depend on the seed (stress workers' start spread, random
   * accesses, racing operations, preempted vCPUs): seeded entries run K seeds and get an
   * interval; the others run seed 1 and their difference is exact.
   */
  seeded: boolean;
  /** Why the entry is in the suite: the trigger, device, machine or code path it covers. */
  reason: string;
}

export const SUITE_NAMES = ['quick', 'standard', 'full'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

/**
 * The suites' versions: any change of an entry list (or of an entry) bumps its suite's
 * version, which every verdict prints (`quick@1`), so reviews are compared like for like.
 */
export const SUITE_VERSIONS: Readonly<Record<SuiteName, number>> = { quick: 1, standard: 1, full: 1 };

const d16 = 'dirty-16m';
const madv_1g = ['pageout.size=1GiB', 'workload.region=256MiB', 'swap.size=2GiB', 'machine.memory=2GiB', 'workload.baseline=1ms'];

/** quick@1: the CI suite, about a minute on a loaded 2-core machine. */
const QUICK: readonly SuiteEntry[] = [
  { id: 'dirty-zram', base: d16, set: ['swap.device=zram'], seeded: false, reason: 'synchronous device: folios are freed in the same pass, where a strategy that skips the free tail leaks (seed-v1/v2)' },
  { id: 'dirty-nvme', base: d16, set: [], seeded: false, reason: 'asynchronous writeback: folios are freed on a later pass (worked count)' },
  { id: 'clean-mixed', base: 'clean-16m', set: ['machine.cpus=4', 'workload.threads=3', 'workload.pageout_access=mixed', 'workload.pageout_access_interval=5us'], seeded: true, reason: 'clean re-pageout with threads reading and writing the region: stale translations, lost writes' },
  { id: 'madv-1g', base: 'madv-pageout', set: madv_1g, seeded: false, reason: "the seed patch author's experiment at 1/20 scale: random co-runner, SSD" },
  { id: 'shootdown-64', base: 'shootdown-64', set: ['pageout.size=64MiB'], seeded: false, reason: '64 CPUs, 63 hot threads: IPI fan-out' },
  { id: 'stress-memcg', base: 'stress-memcg', set: [], seeded: true, reason: "memcg limit reclaim in the charging workers, zram (Zhang's benchmark)" },
  { id: 'kswapd-48m', base: 'kswapd-48m', set: [], seeded: true, reason: 'kswapd on a lazy CPU woken below the low watermark, NVMe' },
  { id: 'direct', base: 'direct-reclaim', set: [], seeded: true, reason: 'direct reclaim only (no kswapd), zram: the allocation stall' },
  { id: 'zswap-nowb', base: d16, set: ['swap.zswap.enabled=true', 'swap.zswap.writeback=false', 'swap.zswap.incompressible=25'], seeded: false, reason: 'zswap without writeback: AOP_WRITEPAGE_ACTIVATE, the activation path' },
  { id: 'zero-50', base: d16, set: ['swap.device=zram', 'pageout.zero_pages=50'], seeded: false, reason: 'zero-filled pages (zeromap): freed in the same pass without I/O' },
  { id: 'mthp-64k', base: d16, set: ['memory.mthp.64KiB=always', 'swap.device=zram'], seeded: false, reason: 'large folios (64 KiB mTHP) swapped out whole' },
  { id: 'race', base: d16, set: ['machine.cpus=4', 'workload.race_ops=[munmap,dontneed,mprotect]'], seeded: true, reason: 'munmap, MADV_DONTNEED and mprotect racing deferred flushes (B12)' },
  { id: 'arm64-phone', base: d16, set: ['machine.preset=sd888-phone', 'workload.threads=7'], seeded: false, reason: 'arm64: broadcast TLBI + DSB, no IPIs' },
  { id: 'milan-2s', base: d16, set: ['machine.preset=milan-2s', 'workload.threads=127'], seeded: false, reason: 'x86 with INVLPGB: broadcast flush, 128 CPUs on 2 sockets' },
  { id: 'kvm-guest', base: d16, set: ['machine.preset=kvm-guest', 'workload.threads=15'], seeded: true, reason: 'KVM guest: paravirtual flush, 10 % of vCPUs preempted' },
  { id: 'file-shared', base: d16, set: ['pageout.backing=file', 'pageout.mapping=shared'], seeded: false, reason: 'dirty MAP_SHARED file folios: written back through the file system' },
  { id: 'mglru-stress', base: 'stress-memcg', set: ['reclaim.lru=mglru'], seeded: true, reason: 'memcg limit reclaim under the multi-gen LRU' },
];

/** standard@1 = quick@1 + these (about 10 minutes at most; the default). */
const STANDARD_MORE: readonly SuiteEntry[] = [
  { id: 'madv-20g', base: 'madv-pageout', set: [], seeded: false, reason: "the seed patch author's full experiment (20 GiB, the README calibration)" },
  { id: 'madv-1g-nvme', base: 'madv-pageout', set: [...madv_1g, 'swap.device=nvme'], seeded: false, reason: 'the calibration variant on NVMe' },
  { id: 'single-thread', base: 'single-thread-16m', set: [], seeded: false, reason: 'negative control: no other CPU, nothing to batch' },
  { id: 'chunked', base: 'dirty-16m-chunked', set: [], seeded: false, reason: 'per-PMD madvise calls: B12 consumes the previous call\'s batch' },
  { id: 'clean-16m', base: 'clean-16m', set: [], seeded: false, reason: 'clean re-pageout (worked count)' },
  { id: 'cpus-4', base: d16, set: ['machine.cpus=4', 'workload.threads=3'], seeded: false, reason: 'machine size: 4 CPUs' },
  { id: 'cpus-16', base: d16, set: ['machine.cpus=16', 'workload.threads=15'], seeded: false, reason: 'machine size: 16 CPUs' },
  { id: 'cpus-64', base: 'shootdown-64', set: [], seeded: false, reason: 'machine size: 64 CPUs, 1 GiB' },
  { id: 'cpus-256', base: d16, set: ['machine.cpus=256', 'workload.threads=255', 'machine.memory=2GiB', 'pageout.size=64MiB'], seeded: false, reason: 'machine size: 256 CPUs' },
  { id: 'xeon-2s', base: d16, set: ['machine.preset=xeon-2s', 'workload.threads=79'], seeded: false, reason: 'preset: 2 sockets, cross-socket IPIs' },
  { id: 'kunpeng', base: d16, set: ['machine.preset=kunpeng920-2s', 'workload.threads=31'], seeded: false, reason: 'preset: arm64 server, 128 CPUs' },
  { id: 'arm64-nobatch', base: d16, set: ['machine.arch=arm64', 'machine.arm64_batched_flush=false', 'machine.cpus=8', 'workload.threads=7'], seeded: false, reason: 'arm64 before 6.5: TLBI + DSB per page' },
  { id: 'ssd', base: d16, set: ['swap.device=ssd'], seeded: false, reason: 'device: SATA SSD' },
  { id: 'hdd', base: d16, set: ['swap.device=hdd'], seeded: false, reason: 'device: rotational, 5 ms latency' },
  { id: 'zswap-wb', base: d16, set: ['swap.zswap.enabled=true', 'swap.zswap.incompressible=25'], seeded: false, reason: 'zswap with writeback' },
  { id: 'zero-nvme', base: d16, set: ['pageout.zero_pages=50'], seeded: false, reason: 'zero pages freed in the same pass on an asynchronous device' },
  { id: 'separate-lazy', base: d16, set: ['machine.cpus=4', 'workload.threads=2', 'workload.process=separate', 'workload.lazy_cpus=[3]'], seeded: false, reason: 'co-runner in another process, a lazy-TLB CPU' },
  { id: 'write-5us', base: d16, set: ['machine.cpus=4', 'workload.threads=3', 'workload.pageout_access=write', 'workload.pageout_access_interval=5us'], seeded: true, reason: 'co-runners writing the region: re-dirtying, I/O shape' },
  { id: 'read-5us', base: d16, set: ['machine.cpus=4', 'workload.threads=3', 'workload.pageout_access=read', 'workload.pageout_access_interval=5us'], seeded: true, reason: 'co-runners reading through stale translations' },
  { id: 'thp', base: d16, set: ['memory.thp=always'], seeded: false, reason: 'PMD-mapped THP: split round and one flush per THP' },
  { id: 'thp-hdd', base: d16, set: ['memory.thp=always', 'swap.device=hdd'], seeded: false, reason: 'THP split before swap-out on a rotational device' },
  { id: 'mthp-mix', base: 'clean-16m', set: ['memory.mthp.16KiB=always', 'memory.mthp.64KiB=always', 'swap.device=zram'], seeded: false, reason: 'two mTHP sizes, swap-in at order 0' },
  { id: 'file-private', base: d16, set: ['pageout.backing=file', 'pageout.mapping=private'], seeded: false, reason: 'MAP_PRIVATE file folios' },
  { id: 'file-clean', base: d16, set: ['pageout.backing=file', 'pageout.mode=clean'], seeded: false, reason: 'clean file folios freed in the same pass' },
  { id: 'memcg-zswap', base: 'stress-memcg', set: ['swap.device=nvme', 'swap.zswap.enabled=true'], seeded: true, reason: 'memcg reclaim into zswap' },
  { id: 'memcg-zs-nowb', base: 'stress-memcg', set: ['swap.zswap.enabled=true', 'swap.zswap.writeback=false', 'swap.zswap.incompressible=20'], seeded: true, reason: 'memcg reclaim with zswap writeback off' },
  { id: 'stress-mthp', base: 'kswapd-48m', set: ['memory.mthp.64KiB=always'], seeded: true, reason: 'kswapd with 64 KiB mTHP' },
  { id: 'kswapd-zram', base: 'kswapd-48m', set: ['swap.device=zram'], seeded: true, reason: 'kswapd, synchronous device' },
  { id: 'direct-nvme', base: 'direct-reclaim', set: ['swap.device=nvme'], seeded: true, reason: 'direct reclaim, asynchronous device' },
  { id: 'file-stress', base: 'file-ramdisk-kswapd', set: [], seeded: true, reason: 'kswapd reclaiming file folios' },
  { id: 'mglru-kswapd', base: 'kswapd-48m', set: ['reclaim.lru=mglru'], seeded: true, reason: 'kswapd under the multi-gen LRU' },
  { id: 'mglru-direct', base: 'direct-reclaim', set: ['reclaim.lru=mglru'], seeded: true, reason: 'direct reclaim under the multi-gen LRU' },
];

/** full@1 = standard@1 + a device × machine size × folio size grid (meant for a sweep's pool). */
function full_grid(): SuiteEntry[] {
  const out: SuiteEntry[] = [];
  for (const device of ['zram', 'nvme', 'ssd', 'hdd']) {
    for (const cpus of [2, 16, 64]) {
      for (const [folio, sets] of [['4k', []], ['64k', ['memory.mthp.64KiB=always']], ['2m', ['memory.thp=always']]] as const) {
        out.push({
          id: `g-${device}${cpus}-${folio}`,
          base: d16,
          set: [`swap.device=${device}`, `machine.cpus=${cpus}`, `workload.threads=${cpus - 1}`, 'pageout.size=64MiB', 'machine.memory=1GiB', ...sets],
          seeded: false,
          reason: `grid: ${device}, ${cpus} CPUs, ${folio === '4k' ? 'order-0' : folio === '64k' ? '64 KiB mTHP' : 'PMD THP'} folios`,
        });
      }
    }
  }
  return out;
}

/** The entries of a suite, in order. */
export function suite_entries(name: SuiteName): SuiteEntry[] {
  if (name === 'quick') return [...QUICK];
  if (name === 'standard') return [...QUICK, ...STANDARD_MORE];
  return [...QUICK, ...STANDARD_MORE, ...full_grid()];
}

/** An entry resolved: its scenario. */
export interface ResolvedEntry {
  entry: SuiteEntry;
  scenario: Scenario;
}

/** Resolves an entry: its base scenario with its fields set. */
export function resolve_entry(entry: SuiteEntry): ResolvedEntry {
  return { entry, scenario: load_scenario(entry.base, entry.set) };
}
