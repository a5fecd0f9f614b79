import type { ComparisonSummary } from './compare.js';
import type { OracleCoverage } from '../oracle/coverage.js';
import type { LockHoldSummary } from '../oracle/lock_hold.js';
import type { Scenario } from '../scenario/schema.js';

/** Schema tag of the result contract (DESIGN.md section 6). Fields may be added, never renamed. */
export const RESULT_SCHEMA = 'reclaimsim/result@1';

/**
 * Per-CPU interrupt rows of /proc/interrupts that TLB maintenance moves, by row name: the
 * architecture says which (x86: TLB and CAL; arm64 flushes without interrupts: none).
 */
export type Interrupts = Record<string, number[]>;

/** One interrupt row, or no counts when the architecture has no such row. */
export function irq_row(interrupts: Interrupts, row: string): number[] {
  return interrupts[row] ?? [];
}

/** A stretch of the experiment with the counters it moved. */
export interface PhaseResult {
  name: string;
  start_ns: number;
  end_ns: number;
  vmstat: Record<string, number>;
  interrupts: Interrupts;
}

/** An application thread's operations, before pageout and during it. */
export interface TaskResult {
  name: string;
  cpu: number;
  /** Operations and rate in the pageout window. */
  ops: number;
  ops_per_sec: number;
  baseline_ops: number;
  baseline_ops_per_sec: number;
  /**
   * Change of ops/s in the pageout window against the baseline window, percent; null for a
   * worker the OOM killer ended (its outcome is the kill, not a throughput: see oom_killed).
   */
  throughput_change_pct: number | null;
  /** Interrupt time the thread lost in the pageout window, ns. */
  sim_interrupted_ns: number;
  /** Stress workers only: the cgroup OOM killer ended the worker. */
  oom_killed?: boolean;
}

/** A cgroup's state at the end of a run (cgroup v2 files). */
export interface MemcgResult {
  name: string;
  /** memory.max, memory.current (per-CPU stock included), memory.peak, bytes. */
  max_bytes: number;
  current_bytes: number;
  peak_bytes: number;
  /** memory.events */
  events: { max: number; oom: number; oom_kill: number };
  /** memory.stat reclaim counters */
  stat: { pgscan_kswapd: number; pgscan_direct: number; pgsteal_kswapd: number; pgsteal_direct: number; pgrefill: number; pgdeactivate: number };
  /**
   * Under the multi-gen LRU, what debugfs lru_gen and lru_gen_full show for the cgroup's lruvec
   * at the end: pages per generation (seq from the oldest min_seq to max_seq), and the mm walks'
   * statistics (PTEs looked at T, young cleared Y, PTE tables found F and added to the Bloom filter A).
   */
  lru_gen?: { seqs: { seq: number; anon: number; file: number }[]; walk: { total: number; young: number; found: number; added: number } };
}

/** Memory pressure: the zone's watermarks, free pages at the end, kswapd's CPU, the cgroup. */
export interface ReclaimResult {
  min_free_kbytes: number;
  watermark_scale_factor: number;
  /** zone watermarks, pages */
  watermark_min: number;
  watermark_low: number;
  watermark_high: number;
  nr_free_pages: number;
  /** kswapd's CPU, or null when none runs. */
  kswapd_cpu: number | null;
  memcg?: MemcgResult;
}

/** The oracle's verdict on a run and its findings grouped by code (DESIGN.md section 5). */
export interface OracleResult {
  enabled: boolean;
  /** Folio lock hold times (a cost finding, not a violation): count, median, 99th percentile, maximum. */
  lock_hold_ns?: LockHoldSummary;
  verdict: 'correct' | 'violations' | 'not checked';
  violations: OracleFinding[];
  /** What the run exercised of the oracle's rules (only when asked: RunOptions.coverage). */
  coverage?: OracleCoverage;
}

/** One finding: a broken rule, how often, and its first occurrence with how to reproduce it. */
export interface OracleFinding {
  code: string;
  /** The kernel rule broken. */
  rule: string;
  count: number;
  first: { folio: number; sim_time_ns: number; event_seq: number; detail: string; seed: number; reproduce: string };
}

/** Samples over simulated time: each thread's cumulative operations, each CPU's cumulative TLB shootdowns. */
export interface Timeline {
  t_ns: number[];
  /** [thread][sample] */
  ops: number[][];
  /** [cpu][sample] */
  tlb: number[][];
}

/**
 * Large-folio counters over the whole run, population included (where the THP faults
 * happen): the thp_* lines of /proc/vmstat, and the per-size stats as the directories
 * /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/stats/ name them (sizes whose
 * counters all stayed 0 are left out).
 */
export interface ThpResult {
  vmstat: Record<string, number>;
  mthp: Record<string, Record<string, number>>;
}

export interface RunResult {
  strategy: string;
  seed: number;
  scenario: Scenario;
  sim_time_ns: number;
  wall_ms: number;
  /** Counters over the measured pageout (from the call until its I/O completed), /proc/vmstat names. */
  vmstat: Record<string, number>;
  interrupts: Interrupts;
  tasks: TaskResult[];
  phases: PhaseResult[];
  /** Shape of the swap I/O: requests and bios dispatched, largest request in pages. */
  io: { requests: number; bios: number; pages_per_request_max: number };
  /** The same for the file disk's reads and writes: present when the scenario maps files (a RAM disk dispatches no request). */
  file_io?: { requests: number; bios: number; pages_per_request_max: number };
  /** Duration of the measured madvise call(s), ns; for a stress run, of the whole run. */
  sim_pageout_ns: number;
  /** Watermarks, kswapd and the cgroup: present when the scenario configures memory pressure or reclaim beyond MADV_PAGEOUT ran. */
  reclaim?: ReclaimResult;
  /** Present when the scenario enables large folios (memory.thp, memory.mthp). */
  thp?: ThpResult;
  events: number;
  /** Present when asked for (RunOptions.timeline). */
  timeline?: Timeline;
  oracle: OracleResult;
}

export interface ResultFile {
  schema: typeof RESULT_SCHEMA;
  runs: RunResult[];
  /** From `compare`: the figures per strategy with their statistics. */
  comparison?: ComparisonSummary;
}

/** JSON with object keys sorted at every level, so equal results are equal bytes. */
export function stable_json(value: unknown, indent = 2): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  }, indent);
}
