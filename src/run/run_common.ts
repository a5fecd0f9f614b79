import { lru_gen_from_seq, LRU_GEN_ANON, LRU_GEN_FILE, MM_LEAF_TOTAL, MM_LEAF_YOUNG, MM_NONLEAF_ADDED, MM_NONLEAF_FOUND } from '../mm/lru_gen.js';
import type { Tracer } from '../hw/tracer.js';
import { model_mutants, type ModelMutantName } from '../mm/mutants.js';
import { RECLAIM_PATH_EVENTS } from '../mm/vmstat.js';
import type { Kernel } from '../reclaim/kernel.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { Oracle } from '../oracle/oracle.js';
import { thp_orders, type Scenario } from '../scenario/schema.js';
import { build_kernel } from './machine_setup.js';
import type { OracleResult, PhaseResult, ReclaimResult, ThpResult } from './result.js';

const PAGE_SIZE = 4096;

export interface RunOptions {
  /** A built-in strategy's name, or a strategy object (see resolve_strategy). */
  strategy?: string | ReclaimStrategy;
  seed?: number;
  /** Called with the final kernel state when the run ends (tests inspect it). */
  inspect?: (k: Kernel) => void;
  /** Run the oracle beside the model (default true). */
  oracle?: boolean;
  /** The command that reproduces this run, quoted in findings (default: a `reclaimsim run` line). */
  command?: string;
  /** Receives tracepoint events (a trace writer, a report). */
  tracer?: Tracer;
  /** Sample each thread's operations and each CPU's shootdowns over time (for charts). */
  timeline?: boolean;
  /** Add what the run exercised of the oracle's rules to its result (oracle.coverage; swarm runs do). */
  coverage?: boolean;
  /** Test only: deliberate model defects to switch on (mm/mutants.ts), to show the oracle catching them. */
  mutants?: readonly ModelMutantName[];
}

/** What a run in progress leaves for its caller if the model fails: the oracle, to report its findings so far. */
export interface RunState {
  oracle: Oracle | null;
}

/** The kernel of a run, with the oracle installed (unless switched off) and the tracer attached. */
export function start_run(scenario: Scenario, strategy: ReclaimStrategy, options: RunOptions, state: RunState): { k: Kernel; oracle: Oracle | null } {
  const k = build_kernel(scenario, strategy, model_mutants(options.mutants), options.seed ?? scenario.seed);
  const oracle = (options.oracle ?? true) ? new Oracle(k, k.sim, k.machine) : null;
  oracle?.install();
  state.oracle = oracle;
  k.machine.tracer = options.tracer ?? null;
  return { k, oracle };
}

/** The oracle's verdict for the result, each finding quoting the seed and the reproducing command. */
export function oracle_result(oracle: Oracle | null, seed: number, command: string, coverage = false): OracleResult {
  return {
    ...(oracle !== null && coverage ? { coverage: oracle.coverage() } : {}),
    enabled: oracle !== null,
    verdict: oracle === null ? 'not checked' : oracle.result().length === 0 ? 'correct' : 'violations',
    violations: (oracle?.result() ?? []).map((v) => ({ ...v, first: { ...v.first, seed, reproduce: command } })),
    ...(oracle === null ? {} : { lock_hold_ns: oracle.lock_hold.summary() }),
  };
}

/** Watermarks, free pages, kswapd's CPU and the cgroup's files at the end of the run. */
export function reclaim_result(k: Kernel, scenario: Scenario, kswapd_cpu: number): ReclaimResult {
  const pgdat = k.pgdat;
  const zone = pgdat.zone;
  const result: ReclaimResult = {
    min_free_kbytes: zone.min_free_kbytes,
    watermark_scale_factor: zone.watermark_scale_factor,
    watermark_min: zone.min_wmark_pages(),
    watermark_low: zone.low_wmark_pages(),
    watermark_high: zone.high_wmark_pages(),
    nr_free_pages: pgdat.folios.nr_free_pages,
    kswapd_cpu: kswapd_cpu >= 0 ? kswapd_cpu : null,
  };
  const memcg = pgdat.memcgs[1] ?? null;
  if (memcg !== null && scenario.memcg !== undefined) {
    result.memcg = {
      name: memcg.name,
      max_bytes: memcg.max_pages * PAGE_SIZE,
      current_bytes: memcg.usage * PAGE_SIZE,
      peak_bytes: memcg.peak * PAGE_SIZE,
      events: { ...memcg.events },
      stat: { ...memcg.stat },
    };
    const lrugen = pgdat.lruvecs[memcg.id]?.lrugen ?? null;
    if (lrugen !== null) {
      const seqs = [];
      for (let seq = Math.min(...lrugen.min_seq); seq <= lrugen.max_seq; seq++) {
        const gen = lru_gen_from_seq(seq);
        seqs.push({ seq, anon: Math.max(0, lrugen.gen_pages(gen, LRU_GEN_ANON)), file: Math.max(0, lrugen.gen_pages(gen, LRU_GEN_FILE)) });
      }
      const st = lrugen.mm_state.stats;
      result.memcg.lru_gen = { seqs, walk: { total: st[MM_LEAF_TOTAL] ?? 0, young: st[MM_LEAF_YOUNG] ?? 0, found: st[MM_NONLEAF_FOUND] ?? 0, added: st[MM_NONLEAF_ADDED] ?? 0 } };
    }
  }
  return result;
}

/**
 * Whether a MADV_PAGEOUT run reports the reclaim paths beyond MADV_PAGEOUT: when the scenario
 * configures them, or when one of their counters moved. Otherwise their counters are left out
 * of its vmstat, so results stay the same as before these paths existed.
 */
export function reclaim_paths_moved(measured: Record<string, number>, phases: readonly PhaseResult[]): boolean {
  const moved = (vmstat: Record<string, number>) => RECLAIM_PATH_EVENTS.some((key) => (vmstat[key] ?? 0) !== 0);
  return moved(measured) || phases.some((p) => moved(p.vmstat));
}

/** Removes the reclaim-path counters from a vmstat record (see reclaim_paths_moved). */
export function without_reclaim_path_events(vmstat: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(vmstat)) if (!(RECLAIM_PATH_EVENTS as readonly string[]).includes(key)) out[key] = value;
  return out;
}

/** The run's large-folio counters (RunResult.thp), when the scenario enables large folios; else nothing. */
export function thp_result(k: Kernel, scenario: Scenario): { thp?: ThpResult } {
  if (thp_orders(scenario, true) === 0) return {};
  return { thp: { vmstat: { ...k.pgdat.thp }, mthp: k.pgdat.mthp.snapshot() } };
}
