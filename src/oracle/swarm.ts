import { Prng } from '../engine/prng.js';
import { fork_params, race_params, scenario_schema, type RaceOp, type Scenario } from '../scenario/schema.js';

const DEVICES = ['nvme', 'ssd', 'zram'] as const;
const CHUNKS = ['whole', '4KiB', '64KiB', '1MiB', '2MiB', '3MiB'] as const;
const ACCESS = ['none', 'read', 'write'] as const;

function pick<T>(prng: Prng, values: readonly T[]): T {
  return values[prng.range_inclusive(0, values.length - 1)] as T;
}

/**
 * A random small scenario drawn entirely from one seed (swarm testing, as TigerBeetle's VOPR
 * does): CPU count, thread placement, lazy CPUs, same or separate process, swap device, region
 * size (whole and partial PMDs), chunking, dirty or clean pageout, and application reads or
 * writes of the region under reclaim at a random rate; or, one time in four, the stress workload
 * with memcg limit reclaim; one time in four, large folios; one time in four, files
 * (with_file); the multi-gen LRU (with_lru); and, for stress, node pressure instead of the
 * cgroup (with_node_pressure). The same seed gives the same scenario.
 */
export function swarm_scenario(seed: number): Scenario {
  const prng = Prng.stream(seed, 0);
  const cpus = prng.range_inclusive(1, 12);
  const threads = prng.range_inclusive(0, cpus - 1);
  const process = prng.chance(3, 4) ? 'same' : 'separate';
  const lazy_cpus = threads + 1 < cpus && prng.chance(1, 3) ? [threads + 1] : [];
  const pages = prng.range_inclusive(1, 1536);
  const input = {
    name: `swarm-${seed}`,
    seed,
    machine: { cpus, memory: '32MiB' },
    swap: { device: pick(prng, DEVICES) },
    workload: {
      threads,
      process,
      lazy_cpus,
      baseline: '10us',
      pageout_access: process === 'same' ? pick(prng, ACCESS) : 'none',
      pageout_access_interval: `${prng.range_inclusive(1, 50)}us`,
    },
    pageout: { size: `${pages * 4}KiB`, chunk: pick(prng, CHUNKS), mode: prng.chance(1, 2) ? 'dirty' : 'clean' },
  };
  // Drawn last, so that every MADV_PAGEOUT scenario stays what it was for its seed.
  if (prng.chance(1, 4)) return scenario_schema.parse(with_node_pressure(prng, with_lru(prng, with_file(prng, with_large_folios(prng, stress_variant(prng, input))), 2)));
  // Zero-filled pages (the zeromap) in one MADV_PAGEOUT scenario of three; drawn after the rest.
  const zero_pages = prng.chance(1, 3) ? prng.range_inclusive(1, 100) : 0;
  // zswap in one of four, with or without writeback; drawn after the rest too.
  const zswap = prng.chance(1, 4) ? { enabled: true, writeback: prng.chance(1, 2), incompressible: prng.range_inclusive(0, 100) } : { enabled: false };
  const workload = { ...input.workload, ...race_variant(prng, input.workload, pages) };
  const drawn = with_large_folios(prng, { ...input, workload, swap: { ...input.swap, zswap }, pageout: { ...input.pageout, zero_pages } });
  return scenario_schema.parse(with_lru(prng, with_file(prng, with_mremap_and_fork(prng, drawn, cpus)), 4));
}

/**
 * Node pressure (issue 13), drawn after everything else, in one stress scenario of two: no
 * cgroup, and memory for 2/3 to all of the pages the workers write, so that kswapd (when there
 * is one) and direct reclaim run — root reclaim, which takes lru_gen_shrink_node under the
 * multi-gen LRU — rather than memcg limit reclaim.
 */
function with_node_pressure<T extends { [key: string]: unknown }>(prng: Prng, input: T): T {
  if (!prng.chance(1, 2)) return input;
  const stress = input.stress as { workers: number; bytes: string };
  const written = stress.workers * (Number.parseInt(stress.bytes, 10) / 4);
  const pages = prng.range_inclusive(Math.ceil((2 * written) / 3), written);
  const { memcg: _memcg, ...rest } = input;
  return { ...rest, machine: { ...(input.machine as object), memory: `${pages * 4}KiB` } } as unknown as T;
}

/**
 * The LRU policy (issue 13), drawn after everything else: the multi-gen LRU in one stress
 * scenario of two (kswapd, direct and memcg reclaim take its path) and in one MADV_PAGEOUT
 * scenario of four (its faults, isolation and put-back place folios in generations; the
 * pageout's counts do not change).
 */
function with_lru<T extends object>(prng: Prng, input: T, one_in: number): T {
  if (!prng.chance(1, one_in)) return input;
  const reclaim = 'reclaim' in input ? (input.reclaim as object) : {};
  return { ...input, reclaim: { ...reclaim, lru: 'mglru' } };
}

/**
 * Drawn after everything else (issue 15, second part), on order-0 scenarios only: in one of
 * three that race reclaim, mremap joins the racing operations; in one of four where a thread
 * of the process exists (and racing operations, if any, include mremap), it forks the process 0..200 us in (the child shares the region
 * copy-on-write) with 0..2 threads of the child on the CPUs left (none beside a lazy CPU).
 */
function with_mremap_and_fork<T extends { workload: { threads: number; process: string; lazy_cpus: number[]; race_ops?: string[] }; memory?: object }>(prng: Prng, input: T, cpus: number): T {
  if ('memory' in input) return input;
  const workload: Record<string, unknown> = { ...input.workload };
  const mremap = input.workload.race_ops !== undefined && prng.chance(1, 3);
  if (mremap) workload.race_ops = [...(input.workload.race_ops ?? []), 'mremap'];
  // Beside the older racing operations only with mremap: those scenarios stay as they were.
  const may_fork = input.workload.race_ops === undefined || mremap;
  if (may_fork && input.workload.process === 'same' && input.workload.threads >= 1 && prng.chance(1, 4)) {
    workload.fork_at = `${prng.range_inclusive(0, 200)}us`;
    // The child's threads take the CPUs after the parent's, where a lazy CPU would be.
    workload.fork_threads = input.workload.lazy_cpus.length > 0 ? 0 : prng.range_inclusive(0, Math.min(2, cpus - 1 - input.workload.threads));
  }
  return { ...input, workload };
}

const FILE_DEVICES = ['nvme', 'ssd', 'hdd', 'ram'] as const;

/**
 * Files (issue 12) in one scenario of four, drawn after everything else: the region (or each
 * stress worker's) becomes a MAP_SHARED or MAP_PRIVATE mapping of a file on an NVMe, SATA,
 * rotating or RAM disk; stress workers write or only read, each its own file or all one.
 * Only where the file model applies: no large folios, zero pages, racing operations, fork or
 * explicit accesses.
 */
function with_file<T extends { [key: string]: unknown }>(prng: Prng, input: T): T {
  if (!prng.chance(1, 4) || input.memory !== undefined) return input;
  const mapping = prng.chance(1, 2) ? 'shared' : 'private';
  const file = { device: pick(prng, FILE_DEVICES) };
  if (input.stress !== undefined) {
    const stress: Record<string, unknown> = { ...input.stress, backing: 'file', mapping, access: prng.chance(1, 2) ? 'write' : 'read', files: prng.chance(1, 2) ? 'per-worker' : 'one' };
    const wb = writeback(prng);
    // In one of three, read() and write() instead of a mapping (drawn last).
    if (prng.chance(1, 3)) {
      delete stress.mapping;
      stress.io = 'syscall';
    }
    return { ...input, stress, file, ...wb };
  }
  const workload = input.workload as { pageout_access?: string; race_ops?: unknown; fork_at?: unknown };
  const pageout = input.pageout as { zero_pages?: number };
  if ((workload.pageout_access ?? 'none') !== 'none' || workload.race_ops !== undefined || workload.fork_at !== undefined || (pageout.zero_pages ?? 0) !== 0) return input;
  return { ...input, pageout: { ...pageout, backing: 'file', mapping }, file };
}

/** Background dirty limits a swarm run (16 .. 256 pages per worker) reaches: 1, 4 and 16 pages (the hard limit twice that). */
const DIRTY_BACKGROUND_BYTES = ['4KiB', '16KiB', '64KiB'] as const;

/**
 * The flusher's settings of a file stress scenario, in one of two: background and hard dirty
 * limits a short run reaches (background writeback with folio_mkclean beside the writers and
 * reclaim, balance_dirty_pages throttling). Otherwise the defaults, which these runs (well
 * under the 5 s period, dirtying less than 10 % of memory) never reach.
 */
function writeback(prng: Prng): { writeback?: Record<string, unknown> } {
  if (!prng.chance(1, 2)) return {};
  const bg = pick(prng, DIRTY_BACKGROUND_BYTES);
  return { writeback: { dirty_background_bytes: bg, dirty_bytes: `${2 * Number.parseInt(bg, 10)}KiB` } };
}

const RACE_PAGES = [1, 2, 4, 16, 64, 512] as const;
/** The racing operations drawn as a subset (mremap joins later, drawn after everything else). */
const RACE_OPS_FIRST: readonly RaceOp[] = ['munmap', 'dontneed', 'mprotect'];

/**
 * Drawn after everything else (issue 15): in one scenario of three where threads of the
 * process touch the region, accesses mix reads and writes; in one of two where a thread of
 * the process exists, the first one races reclaim with munmap, MADV_DONTNEED and mprotect
 * (a non-empty subset) on 1..512 pages every 1..50 us.
 */
function race_variant(prng: Prng, workload: { threads: number; process: string; pageout_access: string }, pages: number): object {
  const mixed = workload.pageout_access !== 'none' && prng.chance(1, 3);
  const out: Record<string, unknown> = mixed ? { pageout_access: 'mixed' } : {};
  if (workload.process !== 'same' || workload.threads < 1 || !prng.chance(1, 2)) return out;
  const ops = RACE_OPS_FIRST.filter(() => prng.chance(1, 2));
  out.race_ops = ops.length > 0 ? ops : [pick(prng, RACE_OPS_FIRST)];
  out.race_interval = `${prng.range_inclusive(1, 50)}us`;
  out.race_pages = Math.min(pages, pick(prng, RACE_PAGES));
  return out;
}

/** mTHP sizes the swarm enables (16 KiB … 2 MiB). */
const MTHP_DRAWS = ['16KiB', '64KiB', '256KiB', '2MiB'] as const;

/**
 * Large folios in one scenario of four, drawn after everything else: one or two mTHP sizes set
 * to always, the swap device rotational (every large folio split before swap-out) or not;
 * never beside racing operations.
 */
function with_large_folios<T extends { swap: object; workload?: object }>(prng: Prng, input: T): T | (T & { memory: object }) {
  // Racing operations are modelled on order-0 folios only.
  if (!prng.chance(1, 4) || (input.workload !== undefined && 'race_ops' in input.workload)) return input;
  const mthp: Record<string, string> = { [pick(prng, MTHP_DRAWS)]: 'always' };
  if (prng.chance(1, 2)) mthp[pick(prng, MTHP_DRAWS)] = 'always';
  return { ...input, memory: { mthp }, swap: { ...input.swap, rotational: prng.chance(1, 3) } };
}

/**
 * The stress workload on the same machine: 1..4 stress-ng workers writing 64 KiB..1 MiB each,
 * 1..3 passes, in a cgroup holding 50%..100% of their memory, kswapd present or not.
 */
function stress_variant(prng: Prng, input: { name: string; seed: number; machine: { cpus: number; memory: string }; swap: { device: string } }): { swap: object; [key: string]: unknown } {
  const workers = prng.range_inclusive(1, Math.min(4, input.machine.cpus));
  const pages = prng.range_inclusive(16, 256);
  const max_pages = prng.range_inclusive(Math.ceil((workers * pages) / 2), workers * pages);
  return {
    name: input.name,
    seed: input.seed,
    machine: input.machine,
    swap: input.swap,
    workload: { kind: 'stress' },
    stress: { workers, bytes: `${pages * 4}KiB`, passes: prng.range_inclusive(1, 3) },
    memcg: { max: `${max_pages * 4}KiB` },
    ...(prng.chance(1, 2) ? { reclaim: { kswapd_cpu: 'none' } } : {}),
  };
}

/** A drawn scenario in one line: what the swarm varied. */
export function describe_swarm_scenario(s: Scenario): string {
  const zswap = s.swap.zswap.enabled ? `, zswap (writeback ${s.swap.zswap.writeback ? 'on' : 'off'}, ${s.swap.zswap.incompressible}% incompressible)` : '';
  const head = `${s.machine.cpus} CPUs, ${s.swap.device}${zswap}`;
  const lru = s.reclaim?.lru === 'mglru' ? ', MGLRU' : '';
  if (s.workload.kind === 'stress') {
    const st = s.stress;
    const how = st?.io === 'syscall' ? 'read()/write()' : `${st?.mapping ?? 'private'}`;
    const limits = s.writeback?.dirty_bytes === undefined ? '' : `, dirty limits ${(s.writeback.dirty_background_bytes ?? 0) / 1024}/${s.writeback.dirty_bytes / 1024} KiB`;
    const files = st?.backing === 'file' ? `, ${st.access ?? 'write'} ${how} file(s) (${st.files ?? 'per-worker'}) on ${s.file?.device ?? 'the swap preset'}${limits}` : '';
    return `stress: ${head}, ${st?.workers} workers x ${(st?.bytes ?? 0) / 1024} KiB, ${st?.passes} passes${files}, ${s.memcg === undefined ? `no memcg, memory ${s.machine.memory / 1024} KiB` : `memcg ${s.memcg.max / 1024} KiB`}, kswapd ${s.reclaim?.kswapd_cpu === 'none' ? 'none' : 'default'}${lru}`;
  }
  const w = s.workload;
  const chunk = s.pageout.chunk === 'whole' ? 'whole' : `${s.pageout.chunk / 1024} KiB`;
  const access = w.pageout_access === 'none' ? 'no access' : `${w.pageout_access} every ${w.pageout_access_interval / 1000} us`;
  const lazy = w.lazy_cpus.length > 0 ? `, lazy CPUs ${w.lazy_cpus.join(',')}` : '';
  const r = race_params(s);
  const race = r.ops.length > 0 ? `, racing ${r.ops.join('/')} of ${r.pages} pages every ${r.interval_ns / 1000} us` : '';
  const file = s.pageout.backing === 'file' ? `, ${s.pageout.mapping ?? 'private'} file on ${s.file?.device ?? 'the swap preset'}` : '';
  const f = fork_params(s);
  const fork = f === null ? '' : `, fork at ${f.at_ns / 1000} us (${f.threads} child thread(s))`;
  return `madvise: ${head}, ${w.threads} thread(s) (${w.process} process)${lazy}, ${s.pageout.size / 4096} pages${file} in chunks of ${chunk}, ${s.pageout.mode}, ${access}${race}${fork}, ${s.pageout.zero_pages}% zero${lru}`;
}
