import { z } from 'zod';
import { COST_NAMES, type CostName } from '../hw/cost_model.js';
import { ARCH_NAMES } from '../hw/arch_tlb.js';
import { PRESET_NAMES } from '../hw/presets.js';
import { NR_CPUS_MAX } from '../hw/cpumask.js';
import {
  BANDWIDTH_MAX_MB_S,
  COST_MAX_NS,
  FLUSH_CEILING_MAX,
  MAX_SECTORS_KB_MAX,
  MAX_SEGMENTS_MAX,
  MEMORY_MAX,
  PASSES_MAX,
  QUEUE_DEPTH_MAX,
  SIM_TIME_MAX_NS,
  SWAP_MAX,
  TLB_ENTRIES_MAX,
} from './limits.js';
import { DURATION_PATTERN, format_size, parse_duration_ns, parse_size, SIZE_PATTERN } from './units.js';
import { stress_params, stress_worker_cpus, workload_kind } from './workload_params.js';
import { refine_file, refine_stress_files } from './file_fields.js';

export { DEFAULT_STRESS_PASSES, stress_params, stress_worker_cpus, workload_kind } from './workload_params.js';
export { file_params, has_files, stress_worker_maps_file, writeback_params, type WritebackParams } from './file_fields.js';

const PAGE_SIZE = 4096;

/** Operations racing reclaim on its region (workload.race_ops). */
export const RACE_OPS = ['munmap', 'dontneed', 'mprotect', 'mremap'] as const;
export type RaceOp = (typeof RACE_OPS)[number];

const size = z
  .union([z.number().int().nonnegative(), z.string().regex(SIZE_PATTERN, 'a size such as 4KiB, 16MiB, 2GiB or a byte count')])
  .transform(parse_size);
/** A positive multiple of 4 KiB up to `max` bytes (limits.ts). */
const page_size_multiple = (max: number) =>
  size.refine((bytes) => bytes > 0 && bytes % PAGE_SIZE === 0 && bytes <= max, `a positive multiple of 4KiB, at most ${format_size(max)}`);
const duration = z
  .union([z.number().int().nonnegative(), z.string().regex(DURATION_PATTERN, 'a duration such as 500ns, 20us, 2ms or a ns count')])
  .transform(parse_duration_ns)
  .refine((ns) => ns <= SIM_TIME_MAX_NS, `at most 3600s (the model simulates at most one hour)`);
const count = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

const cost_overrides = z
  .object(Object.fromEntries(COST_NAMES.map((name) => [name, count(0, COST_MAX_NS).optional()])) as Record<CostName, z.ZodOptional<z.ZodNumber>>)
  .strict()
  .describe('cost model overrides, integer ns (see the README table)');

/** The anonymous mTHP sizes of x86-64 (THP_ORDERS_ALL_ANON: orders 2 … 9), as memory.mthp keys. */
export const MTHP_SIZES = ['16KiB', '32KiB', '64KiB', '128KiB', '256KiB', '512KiB', '1MiB', '2MiB'] as const;
export type MthpSize = (typeof MTHP_SIZES)[number];
const thp_enabled = z.enum(['never', 'always', 'madvise']);
const mthp_enabled = z.enum(['never', 'always', 'madvise', 'inherit']);

const scenario_object = z
  .object({
    name: z.string().default('custom').describe('a label for reports'),
    description: z.string().default(''),
    seed: count(0).default(1).describe('default seed; --seed overrides'),
    machine: z
      .object({
        cpus: count(1, NR_CPUS_MAX).default(4).describe('CPUs, 1..256'),
        memory: page_size_multiple(MEMORY_MAX).default(1024 ** 3).describe('RAM'),
        tlb_entries: count(1, TLB_ENTRIES_MAX).default(1536).describe('per-CPU (second-level) dTLB entries'),
        tlb_single_page_flush_ceiling: count(0, FLUSH_CEILING_MAX).default(33).describe('pages above which a range flush becomes a full flush'),
        cost: cost_overrides.prefault({}),
        // Issue 11: optional, so a scenario without them resolves (and reports) as before.
        preset: z
          .enum(PRESET_NAMES)
          .optional()
          .describe('a real machine: sets cpus, sockets, arch, tlb_entries and costs (`reclaimsim presets`); fields given beside it win'),
        sockets: count(1, 16).optional().describe('sockets; the CPUs are split evenly, consecutive CPUs on one socket (default 1)'),
        arch: z
          .enum(ARCH_NAMES)
          .optional()
          .describe('how TLBs are flushed: x86 (IPIs, the default), x86-invlpgb (AMD broadcast INVLPGB, Linux 6.15), x86-kvm-guest (paravirtual flush in a KVM guest) or arm64 (broadcast TLBI + DSB)'),
        kvm_preempt_pct: count(0, 100)
          .optional()
          .describe('x86-kvm-guest only: percent of time the host has each vCPU preempted (seeded schedule, 1 ms slots); default 0'),
        arm64_batched_pending: z
          .enum(['flush_mm', 'dsb'])
          .optional()
          .describe('arm64 only: flush_tlb_batched_pending as a whole-ASID TLBI + DSB (flush_mm, Linux 6.16+ after 4b634918384c; default) or a bare DSB (dsb, 6.5-6.15)'),
        arm64_batched_flush: z
          .boolean()
          .optional()
          .describe('arm64 only: batched reclaim flush of Linux 6.5+ (default true); false gives ptep_clear_flush, a TLBI and a DSB per page'),
      })
      .strict()
      .prefault({}),
    // Large folios (issue 18): the THP sysfs knobs. Optional, so a scenario without them resolves as before.
    memory: z
      .object({
        thp: thp_enabled
          .optional()
          .describe('/sys/kernel/mm/transparent_hugepage/enabled: never (default), always, or madvise (the experiment marks its pageout region MADV_HUGEPAGE)'),
        mthp: z
          .object(Object.fromEntries(MTHP_SIZES.map((size) => [size, mthp_enabled.optional()])) as Record<MthpSize, z.ZodOptional<typeof mthp_enabled>>)
          .strict()
          .optional()
          .describe('per-size hugepages-<size>kB/enabled: never (default), always, madvise, or inherit (from memory.thp; the default of 2MiB)'),
      })
      .strict()
      .optional()
      .describe('transparent huge pages backing the madvise workload\'s memory (population faults take the largest enabled size that fits)'),
    swap: z
      .object({
        device: z.enum(['nvme', 'ssd', 'hdd', 'zram']).default('nvme').describe('swap device preset'),
        rotational: z.boolean().optional().describe('queue/rotational of the swap device; default from the preset (hdd: true): a rotational device gets no swap clusters, so large folios are split to be swapped out'),
        size: page_size_multiple(SWAP_MAX).optional().describe('swap area; default four times the pageout size (stress: twice all workers\' bytes)'),
        latency_ns: count(0, COST_MAX_NS).optional(),
        bandwidth_mb_s: count(1, BANDWIDTH_MAX_MB_S).optional(),
        queue_depth: count(1, QUEUE_DEPTH_MAX).optional(),
        max_sectors_kb: count(4, MAX_SECTORS_KB_MAX).optional(),
        max_segments: count(1, MAX_SEGMENTS_MAX).optional(),
        zswap: z
          .object({
            enabled: z.boolean().default(false).describe('zswap in front of the swap device'),
            writeback: z.boolean().default(true).describe("memory.zswap.writeback of the process's cgroup: false keeps pages zswap cannot store out of swap"),
            incompressible: count(0, 100).default(0).describe('percent of the pages zswap cannot store (spread evenly over each region)'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    workload: z
      .object({
        kind: z
          .enum(['madvise', 'stress'])
          .optional()
          .describe('madvise (default): a thread pages a region out with MADV_PAGEOUT; stress: stress-ng --vm workers under memory pressure (see stress)'),
        threads: count(0, NR_CPUS_MAX - 1).default(1).describe('application threads, pinned to the CPUs after the pageout CPU'),
        process: z.enum(['same', 'separate']).default('same').describe('threads in the paged-out process, or in another'),
        access: z.enum(['hot', 'random']).default('hot').describe('spin on a small buffer, or random accesses over a region'),
        region: page_size_multiple(MEMORY_MAX).default(PAGE_SIZE).describe('per thread: the hot buffer or the random region'),
        op_ns: count(1, COST_MAX_NS).optional().describe('ns per operation on a TLB hit; default 2 (hot) or 80 (random)'),
        lazy_cpus: z.array(count(0, NR_CPUS_MAX - 1)).default([]).describe('CPUs that ran the process before and now idle holding its mm lazily'),
        baseline: duration.default(1_000_000).describe('window measured before pageout starts'),
        pageout_access: z
          .enum(['none', 'read', 'write', 'mixed'])
          .default('none')
          .describe('explicit accesses of each thread to random pages of the region being paged out (mixed: reads and writes at random)'),
        pageout_access_interval: duration.default(20_000).describe('time between two such accesses of a thread'),
        // Optional without defaults, so that results of scenarios without races stay as they were.
        race_ops: z
          .array(z.enum(RACE_OPS))
          .optional()
          .describe('operations the first application thread runs on random parts of the region under reclaim (munmap, dontneed, mprotect, mremap: away and back); default none'),
        race_interval: duration.optional().describe('time between two racing operations; default 20us'),
        race_pages: count(1, 512).optional().describe('pages each racing operation covers, 1..512; default 16'),
        fork_at: duration.optional().describe('when the first application thread forks the process (the child shares its memory copy-on-write); default never'),
        fork_threads: count(0, NR_CPUS_MAX - 1).optional().describe('threads of the forked child, pinned to the CPUs after the parent\'s threads, accessing its copy of the region as the parent\'s do; default 1'),
      })
      .strict()
      .prefault({}),
    pageout: z
      .object({
        cpu: count(0, NR_CPUS_MAX - 1).default(0).describe('CPU of the thread calling madvise'),
        size: page_size_multiple(MEMORY_MAX).default(16 * 1024 ** 2).describe('dirty anonymous region paged out'),
        chunk: z
          .union([z.literal('whole'), page_size_multiple(MEMORY_MAX)])
          .default('whole')
          .describe('one madvise call for the whole region, or one call per chunk'),
        zero_pages: count(0, 100)
          .default(0)
          .describe('percent of the region written with zeros (swapped out through the zeromap, without I/O)'),
        mode: z.enum(['dirty', 'clean']).default('dirty').describe('dirty: page out written memory; clean: page out, read back, page out again (backing file: only read before the pageout)'),
        // Issue 12: optional without defaults, so anonymous scenarios resolve as before.
        backing: z.enum(['anon', 'file']).optional().describe('anon (default): anonymous memory; file: a file of pageout.size (see file) mapped into the process'),
        mapping: z.enum(['private', 'shared']).optional().describe('backing file only: MAP_PRIVATE (default; a write copies the page to anonymous memory) or MAP_SHARED (writes dirty the page cache)'),
      })
      .strict()
      .prefault({}),
    file: z
      .object({
        device: z.enum(['nvme', 'ssd', 'hdd', 'ram']).optional().describe("the disk the file lives on (a second disk beside swap): nvme, ssd, hdd, or ram (brd: writes complete inside submit_bio); default the swap device's preset, nvme when swap is zram"),
        size: page_size_multiple(MEMORY_MAX).optional().describe('the file; default pageout.size'),
        disk_size: page_size_multiple(SWAP_MAX).optional().describe('the disk; default four times the file'),
      })
      .strict()
      .optional()
      .describe('the file a pageout.backing: file region maps'),
    stress: z
      .object({
        workers: count(1, NR_CPUS_MAX).default(4).describe('worker processes, one per CPU from CPU 0 (stress-ng --vm N)'),
        bytes: page_size_multiple(MEMORY_MAX).default(16 * 1024 ** 2).describe('region each worker keeps writing (--vm-bytes, --vm-keep)'),
        passes: count(1, PASSES_MAX).optional().describe('bogo-ops (passes over the region) per worker (--vm-ops); default 4 unless a duration is given'),
        duration: duration.optional().describe('stop every worker at this time (--timeout), even mid-pass'),
        start_spread: duration.default(100_000).describe('each worker starts at a random time within this (seeded), as forked workers do'),
        // Issue 12: optional without defaults, so anonymous stress scenarios resolve as before.
        backing: z.enum(['anon', 'file', 'mixed']).optional().describe('anon (default): each worker writes anonymous memory; file: it maps a file of stress.bytes (see file); mixed: workers 1, 3, … anon writers, workers 2, 4, … file workers'),
        mapping: z.enum(['private', 'shared']).optional().describe('backing file only: MAP_PRIVATE (default) or MAP_SHARED'),
        access: z.enum(['write', 'read']).optional().describe('write (default, stress-ng --vm) or read every page of each pass (backing file only: readers of a mapped file)'),
        files: z.enum(['per-worker', 'one']).optional().describe('backing file only: a file per worker (default), or one file all workers map'),
        io: z.enum(['mmap', 'syscall']).optional().describe('backing file only: mmap (default) the file and access it through the mapping, or syscall: pread/pwrite each 4 KiB page through the page cache without mapping it'),
      })
      .strict()
      .optional()
      .describe('the stress workload (workload.kind: stress)'),
    writeback: z
      .object({
        dirty_background_ratio: count(0, 100).optional().describe('vm.dirty_background_ratio: % of dirtyable memory above which the flusher writes in the background; default 10'),
        dirty_ratio: count(0, 100).optional().describe('vm.dirty_ratio: % of dirtyable memory above which a task dirtying pages is throttled (balance_dirty_pages); default 20'),
        dirty_background_bytes: size.optional().describe('vm.dirty_background_bytes: replaces dirty_background_ratio when non-zero; default 0'),
        dirty_bytes: size.optional().describe('vm.dirty_bytes: replaces dirty_ratio when non-zero; default 0'),
        dirty_expire_centisecs: count(0, 360_000).optional().describe('vm.dirty_expire_centisecs: age at which dirty data is written by the periodic flush; default 3000'),
        dirty_writeback_centisecs: count(0, 360_000).optional().describe('vm.dirty_writeback_centisecs: the flusher\'s periodic wakeup, 0 disables it; default 500'),
      })
      .strict()
      .optional()
      .describe('the flusher and dirty throttling (/proc/sys/vm/dirty_*); only with files'),
    memcg: z
      .object({
        name: z.string().default('stress').describe('the cgroup\'s name, for reports'),
        max: page_size_multiple(MEMORY_MAX).describe('memory.max'),
      })
      .strict()
      .optional()
      .describe('one cgroup (v2) below the root holding the stress workers'),
    reclaim: z
      .object({
        kswapd_cpu: z
          .union([count(0, NR_CPUS_MAX - 1), z.literal('none')])
          .optional()
          .describe('CPU kswapd runs on; default the highest CPU no workload thread uses, none if there is none'),
        min_free_kbytes: count(1, MEMORY_MAX / 1024).optional().describe('vm.min_free_kbytes; default sqrt(16 x memory in KiB), clamped to 128..262144'),
        watermark_scale_factor: count(1, 3000).default(10).describe('vm.watermark_scale_factor, in 1/10000 of memory'),
        // Issue 13: optional without a default, so every existing result stays as it was.
        lru: z
          .enum(['classic', 'mglru'])
          .optional()
          .describe('the LRU policy: classic (default: active/inactive lists) or mglru (the multi-generational LRU, /sys/kernel/mm/lru_gen/enabled 0x0007, as Debian boots)'),
      })
      .strict()
      .optional()
      .describe('memory pressure: watermarks and kswapd'),
  })
  .strict();

/** A scenario as the object schema parses it, before the cross-field checks. */
export type ScenarioParsed = z.output<typeof scenario_object>;

// The cross-field checks run only on a scenario whose every field is in range: with
// workload.threads = 1e99 they would build a list of 1e99 CPUs.
export const scenario_schema = scenario_object
  .superRefine((s, ctx) => {
    const sockets = s.machine.sockets ?? 1;
    if (s.machine.cpus % sockets !== 0) {
      const divisors = Array.from({ length: Math.min(16, s.machine.cpus) }, (_, i) => i + 1).filter((d) => s.machine.cpus % d === 0);
      ctx.addIssue({ code: 'custom', path: ['machine', 'sockets'], message: `must split machine.cpus (${s.machine.cpus}) evenly: one of ${divisors.join(', ')}` });
    }
    if (s.machine.kvm_preempt_pct !== undefined && s.machine.arch !== 'x86-kvm-guest') {
      ctx.addIssue({ code: 'custom', path: ['machine', 'kvm_preempt_pct'], message: 'needs machine.arch: x86-kvm-guest' });
    }
    if (s.machine.arm64_batched_pending !== undefined && s.machine.arch !== 'arm64') {
      ctx.addIssue({ code: 'custom', path: ['machine', 'arm64_batched_pending'], message: 'needs machine.arch: arm64' });
    }
    if (s.machine.arm64_batched_flush !== undefined && s.machine.arch !== 'arm64') {
      ctx.addIssue({ code: 'custom', path: ['machine', 'arm64_batched_flush'], message: 'needs machine.arch: arm64' });
    }
    if (s.workload.kind === 'stress') {
      refine_stress(s, ctx);
      return;
    }
    if (s.stress !== undefined) ctx.addIssue({ code: 'custom', path: ['stress'], message: 'needs workload.kind: stress' });
    if (s.memcg !== undefined) ctx.addIssue({ code: 'custom', path: ['memcg'], message: 'needs workload.kind: stress (only the stress workers run in a cgroup)' });
    refine_kswapd_cpu(s, ctx, [s.pageout.cpu, ...app_thread_cpus(s.pageout.cpu, s.workload.threads), ...s.workload.lazy_cpus]);
    const cpus = s.machine.cpus;
    if (s.pageout.cpu >= cpus) {
      ctx.addIssue({ code: 'custom', path: ['pageout', 'cpu'], message: `must be below machine.cpus (${cpus})` });
    }
    if (s.workload.threads > cpus - 1) {
      ctx.addIssue({ code: 'custom', path: ['workload', 'threads'], message: `at most machine.cpus - 1 (${cpus - 1}): one CPU each, besides the pageout CPU` });
    }
    const fork = fork_params(s);
    const busy = new Set([s.pageout.cpu, ...app_thread_cpus(s.pageout.cpu, Math.min(cpus - 1, s.workload.threads + (fork === null ? 0 : fork.threads)))]);
    s.workload.lazy_cpus.forEach((cpu, i) => {
      if (cpu >= cpus || busy.has(cpu)) {
        ctx.addIssue({ code: 'custom', path: ['workload', 'lazy_cpus', i], message: `must be an idle CPU below ${cpus} (not the pageout CPU nor an application thread's)` });
      }
    });
    if (s.workload.pageout_access !== 'none' && s.workload.process !== 'same') {
      ctx.addIssue({ code: 'custom', path: ['workload', 'pageout_access'], message: 'needs workload.process: same (only threads of the process can reach its memory)' });
    }
    const race = race_params(s);
    if (race.ops.length > 0) {
      if (s.workload.process !== 'same') {
        ctx.addIssue({ code: 'custom', path: ['workload', 'race_ops'], message: 'needs workload.process: same (only a thread of the process can unmap or protect its memory)' });
      }
      if (s.workload.threads < 1) {
        ctx.addIssue({ code: 'custom', path: ['workload', 'race_ops'], message: 'needs workload.threads >= 1 (the first application thread runs them)' });
      }
      if (race.interval_ns <= 0) {
        ctx.addIssue({ code: 'custom', path: ['workload', 'race_interval'], message: 'must be positive' });
      }
      if (thp_orders(s, true) !== 0) {
        ctx.addIssue({ code: 'custom', path: ['workload', 'race_ops'], message: 'are modelled on order-0 folios only: needs memory.thp and memory.mthp sizes never' });
      }
      if (race.pages > s.pageout.size / PAGE_SIZE) {
        ctx.addIssue({ code: 'custom', path: ['workload', 'race_pages'], message: `at most the region's ${s.pageout.size / PAGE_SIZE} pages` });
      }
    }
    if (fork !== null) {
      if (s.workload.process !== 'same' || s.workload.threads < 1) {
        ctx.addIssue({ code: 'custom', path: ['workload', 'fork_at'], message: 'needs workload.process: same and workload.threads >= 1 (the first application thread forks the process)' });
      }
      if (s.workload.threads + fork.threads > cpus - 1) {
        ctx.addIssue({ code: 'custom', path: ['workload', 'fork_threads'], message: `at most machine.cpus - 1 - workload.threads (${Math.max(0, cpus - 1 - s.workload.threads)}): one CPU each` });
      }
      if (thp_orders(s, true) !== 0 || thp_orders(s, false) !== 0) {
        ctx.addIssue({ code: 'custom', path: ['workload', 'fork_at'], message: 'fork is modelled on order-0 folios only: needs memory.thp and memory.mthp sizes never' });
      }
    }
    if (s.workload.pageout_access !== 'none' && s.workload.pageout_access_interval <= 0) {
      ctx.addIssue({ code: 'custom', path: ['workload', 'pageout_access_interval'], message: 'must be positive' });
    }
    const pages = (bytes: number) => bytes / PAGE_SIZE;
    const app_pages = s.workload.threads * pages(s.workload.region);
    if (pages(s.pageout.size) + app_pages > pages(s.machine.memory) * 0.95) {
      ctx.addIssue({ code: 'custom', path: ['machine', 'memory'], message: 'too small for the pageout region plus the application regions (keep 5% free)' });
    }
    refine_file(s, ctx, thp_orders(s, true) !== 0);
    if (s.swap.size !== undefined && s.swap.size < s.pageout.size + PAGE_SIZE) {
      ctx.addIssue({ code: 'custom', path: ['swap', 'size'], message: 'must hold the pageout region (plus the header page)' });
    }
  }, { when: (payload) => payload.issues.length === 0 });

/** Checks of a workload.kind: stress scenario. */
function refine_stress(s: ScenarioParsed, ctx: z.RefinementCtx): void {
  const stress = stress_params(s);
  refine_stress_files(s, ctx, thp_orders(s, false) !== 0);
  // The MADV_PAGEOUT experiment's racing threads and fork: a stress run has neither.
  const madvise_only: [string, boolean][] = [
    ['race_ops', s.workload.race_ops !== undefined],
    ['fork_at', s.workload.fork_at !== undefined],
    ['fork_threads', s.workload.fork_threads !== undefined],
  ];
  for (const [field, set] of madvise_only) {
    if (set) ctx.addIssue({ code: 'custom', path: ['workload', field], message: 'applies to workload.kind: madvise only (a stress run has no racing thread nor fork)' });
  }
  if (stress.workers > s.machine.cpus) {
    ctx.addIssue({ code: 'custom', path: ['stress', 'workers'], message: `at most machine.cpus (${s.machine.cpus}): one CPU each` });
    return;
  }
  refine_kswapd_cpu(s, ctx, stress_worker_cpus(stress.workers));
  const total = stress.workers * stress.bytes;
  if (s.memcg !== undefined && s.memcg.max >= s.machine.memory) {
    ctx.addIssue({ code: 'custom', path: ['memcg', 'max'], message: `must be below machine.memory (${s.machine.memory} bytes)` });
  }
  if (s.swap.size !== undefined && s.swap.size < total + PAGE_SIZE) {
    ctx.addIssue({ code: 'custom', path: ['swap', 'size'], message: 'must hold every worker\'s region (plus the header page)' });
  }
  if (s.swap.size === undefined && 2 * total > SWAP_MAX) {
    ctx.addIssue({ code: 'custom', path: ['stress', 'bytes'], message: `workers x bytes is over ${format_size(SWAP_MAX / 2)}: its default swap area (twice that) would be over the ${format_size(SWAP_MAX)} the model holds` });
  }
}

/** reclaim.kswapd_cpu must be a CPU of the machine that runs no workload thread. */
function refine_kswapd_cpu(s: ScenarioParsed, ctx: z.RefinementCtx, busy: readonly number[]): void {
  const cpu = s.reclaim?.kswapd_cpu;
  if (cpu === undefined || cpu === 'none') return;
  if (cpu >= s.machine.cpus || busy.includes(cpu)) {
    ctx.addIssue({ code: 'custom', path: ['reclaim', 'kswapd_cpu'], message: `must be a CPU below ${s.machine.cpus} that no workload thread uses (busy: ${[...new Set(busy)].sort((a, b) => a - b).join(', ')})` });
  }
}

/** The racing operations of a MADV_PAGEOUT scenario (workload.race_*), defaults resolved. */
export function race_params(s: Pick<ScenarioParsed, 'workload'>): { ops: readonly RaceOp[]; interval_ns: number; pages: number } {
  return { ops: s.workload.race_ops ?? [], interval_ns: s.workload.race_interval ?? 20_000, pages: s.workload.race_pages ?? 16 };
}

/** The fork of a MADV_PAGEOUT scenario (workload.fork_*), defaults resolved; null when it does not fork. */
export function fork_params(s: Pick<ScenarioParsed, 'workload'>): { at_ns: number; threads: number } | null {
  if (s.workload.fork_at === undefined) return null;
  return { at_ns: s.workload.fork_at, threads: s.workload.fork_threads ?? 1 };
}

/**
 * The CPU kswapd runs on: reclaim.kswapd_cpu, else the highest CPU no workload thread uses
 * (nor holds lazily), else none (-1).
 */
export function kswapd_cpu(s: ScenarioParsed): number {
  const configured = s.reclaim?.kswapd_cpu;
  if (configured === 'none') return -1;
  if (configured !== undefined) return configured;
  const busy = workload_kind(s) === 'stress'
    ? stress_worker_cpus(stress_params(s).workers)
    : [s.pageout.cpu, ...app_thread_cpus(s.pageout.cpu, s.workload.threads), ...s.workload.lazy_cpus];
  for (let cpu = s.machine.cpus - 1; cpu >= 0; cpu--) if (!busy.includes(cpu)) return cpu;
  return -1;
}

/** The scenario file as written (before defaults and unit parsing). */
export type ScenarioInput = z.input<typeof scenario_schema>;
/** A validated scenario: defaults filled in, sizes in bytes, durations in ns. */
export type Scenario = z.output<typeof scenario_schema>;

/** CPUs of the application threads: the first `threads` CPUs other than the pageout CPU. */
export function app_thread_cpus(pageout_cpu: number, threads: number): number[] {
  const cpus: number[] = [];
  for (let cpu = 0; cpus.length < threads; cpu++) if (cpu !== pageout_cpu) cpus.push(cpu);
  return cpus;
}

/** The folio order of an mTHP size key: 16KiB is order 2, 2MiB order 9. */
export function mthp_order(size: MthpSize): number {
  return MTHP_SIZES.indexOf(size) + 2;
}

/**
 * thp_vma_allowable_orders for an anonymous VMA: the bitmask of folio orders its faults may
 * allocate. A size set to always is allowed; madvise, only in a region marked MADV_HUGEPAGE
 * (`madvised`); inherit follows memory.thp (the PMD size inherits by default, the others are
 * never by default, as in 6.12's sysfs).
 */
export function thp_orders(s: Pick<ScenarioParsed, 'memory'>, madvised: boolean): number {
  const top = s.memory?.thp ?? 'never';
  let orders = 0;
  for (const size of MTHP_SIZES) {
    let setting = s.memory?.mthp?.[size] ?? (size === '2MiB' ? 'inherit' : 'never');
    if (setting === 'inherit') setting = top;
    if (setting === 'always' || (setting === 'madvise' && madvised)) orders |= 1 << mthp_order(size);
  }
  return orders;
}
