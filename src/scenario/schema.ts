import { z } from 'zod';
import { COST_NAMES, type CostName } from '../hw/cost_model.js';
import { NR_CPUS_MAX } from '../hw/cpumask.js';
import { DURATION_PATTERN, parse_duration_ns, parse_size, SIZE_PATTERN } from './units.js';

const PAGE_SIZE = 4096;

const size = z
  .union([z.number().int().nonnegative(), z.string().regex(SIZE_PATTERN, 'a size such as 4KiB, 16MiB, 2GiB or a byte count')])
  .transform(parse_size);
const page_size_multiple = size.refine((bytes) => bytes > 0 && bytes % PAGE_SIZE === 0, 'a positive multiple of 4KiB');
const duration = z
  .union([z.number().int().nonnegative(), z.string().regex(DURATION_PATTERN, 'a duration such as 500ns, 20us, 2ms or a ns count')])
  .transform(parse_duration_ns);
const count = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

const cost_overrides = z
  .object(Object.fromEntries(COST_NAMES.map((name) => [name, count(0).optional()])) as Record<CostName, z.ZodOptional<z.ZodNumber>>)
  .strict()
  .describe('cost model overrides, integer ns (see the README table)');

export const scenario_schema = z
  .object({
    name: z.string().default('custom').describe('a label for reports'),
    description: z.string().default(''),
    seed: count(0).default(1).describe('default seed; --seed overrides'),
    machine: z
      .object({
        cpus: count(1, NR_CPUS_MAX).default(4).describe('CPUs, 1..256'),
        memory: page_size_multiple.default(1024 ** 3).describe('RAM'),
        tlb_entries: count(1).default(1536).describe('per-CPU (second-level) dTLB entries'),
        tlb_single_page_flush_ceiling: count(0).default(33).describe('pages above which a range flush becomes a full flush'),
        cost: cost_overrides.prefault({}),
      })
      .strict()
      .prefault({}),
    swap: z
      .object({
        device: z.enum(['nvme', 'ssd', 'zram']).default('nvme').describe('swap device preset'),
        size: page_size_multiple.optional().describe('swap area; default twice the pageout size'),
        latency_ns: count(0).optional(),
        bandwidth_mb_s: count(1).optional(),
        queue_depth: count(1).optional(),
        max_sectors_kb: count(4).optional(),
        max_segments: count(1).optional(),
      })
      .strict()
      .prefault({}),
    workload: z
      .object({
        threads: count(0, NR_CPUS_MAX - 1).default(1).describe('application threads, pinned to the CPUs after the pageout CPU'),
        process: z.enum(['same', 'separate']).default('same').describe('threads in the paged-out process, or in another'),
        access: z.enum(['hot', 'random']).default('hot').describe('spin on a small buffer, or random accesses over a region'),
        region: page_size_multiple.default(PAGE_SIZE).describe('per thread: the hot buffer or the random region'),
        op_ns: count(1).optional().describe('ns per operation on a TLB hit; default 2 (hot) or 80 (random)'),
        lazy_cpus: z.array(count(0, NR_CPUS_MAX - 1)).default([]).describe('CPUs that ran the process before and now idle holding its mm lazily'),
        baseline: duration.default(1_000_000).describe('window measured before pageout starts'),
        pageout_access: z
          .enum(['none', 'read', 'write'])
          .default('none')
          .describe('explicit accesses of each thread to random pages of the region being paged out'),
        pageout_access_interval: duration.default(20_000).describe('time between two such accesses of a thread'),
      })
      .strict()
      .prefault({}),
    pageout: z
      .object({
        cpu: count(0, NR_CPUS_MAX - 1).default(0).describe('CPU of the thread calling madvise'),
        size: page_size_multiple.default(16 * 1024 ** 2).describe('dirty anonymous region paged out'),
        chunk: z
          .union([z.literal('whole'), page_size_multiple])
          .default('whole')
          .describe('one madvise call for the whole region, or one call per chunk'),
        mode: z.enum(['dirty', 'clean']).default('dirty').describe('dirty: page out written memory; clean: page out, read back, page out again'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    const cpus = s.machine.cpus;
    if (s.pageout.cpu >= cpus) {
      ctx.addIssue({ code: 'custom', path: ['pageout', 'cpu'], message: `must be below machine.cpus (${cpus})` });
    }
    if (s.workload.threads > cpus - 1) {
      ctx.addIssue({ code: 'custom', path: ['workload', 'threads'], message: `at most machine.cpus - 1 (${cpus - 1}): one CPU each, besides the pageout CPU` });
    }
    const busy = new Set([s.pageout.cpu, ...app_thread_cpus(s.pageout.cpu, s.workload.threads)]);
    s.workload.lazy_cpus.forEach((cpu, i) => {
      if (cpu >= cpus || busy.has(cpu)) {
        ctx.addIssue({ code: 'custom', path: ['workload', 'lazy_cpus', i], message: `must be an idle CPU below ${cpus} (not the pageout CPU nor an application thread's)` });
      }
    });
    if (s.workload.pageout_access !== 'none' && s.workload.process !== 'same') {
      ctx.addIssue({ code: 'custom', path: ['workload', 'pageout_access'], message: 'needs workload.process: same (only threads of the process can reach its memory)' });
    }
    if (s.workload.pageout_access !== 'none' && s.workload.pageout_access_interval <= 0) {
      ctx.addIssue({ code: 'custom', path: ['workload', 'pageout_access_interval'], message: 'must be positive' });
    }
    const pages = (bytes: number) => bytes / PAGE_SIZE;
    const app_pages = s.workload.threads * pages(s.workload.region);
    if (pages(s.pageout.size) + app_pages > pages(s.machine.memory) * 0.95) {
      ctx.addIssue({ code: 'custom', path: ['machine', 'memory'], message: 'too small for the pageout region plus the application regions (keep 5% free)' });
    }
    if (s.swap.size !== undefined && s.swap.size < s.pageout.size + PAGE_SIZE) {
      ctx.addIssue({ code: 'custom', path: ['swap', 'size'], message: 'must hold the pageout region (plus the header page)' });
    }
  });

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
