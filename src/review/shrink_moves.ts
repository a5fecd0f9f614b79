import { parse_scenario, ScenarioError } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { stable_json } from '../run/result.js';

/** A scenario as plain data, edited by a move and validated again by the scenario loader. */
type Obj = Record<string, unknown>;

const PAGE = 4096;
const DEVICE_RANK: Record<string, number> = { zram: 0, nvme: 1, ssd: 2, hdd: 3 };

function section(o: Obj, key: string): Obj {
  return (o[key] ?? {}) as Obj;
}

/**
 * The rank vector of a scenario: each component measures one feature's distance from its
 * minimum (no racing operations, order-0 folios, zram, one CPU, one page, …). Every shrink
 * move lowers at least one component and raises none, so shrinking cannot cycle (a greedy
 * shrinker with two device moves going opposite ways did: memo F8).
 */
export function rank(s: Scenario): number[] {
  const w = s.workload;
  const o = s as unknown as Obj;
  const memory = section(o, 'memory');
  const mthp = Object.values(section(memory, 'mthp')).filter((v) => v !== 'never' && v !== undefined).length;
  const machine = s.machine as unknown as Obj;
  const plain_machine = Object.keys(machine).filter((k) => !['cpus', 'memory', 'tlb_entries', 'tlb_single_page_flush_ceiling', 'cost'].includes(k) && machine[k] !== undefined).length;
  const stress = section(o, 'stress');
  const reclaim = section(o, 'reclaim');
  const pageout = s.pageout as unknown as Obj;
  return [
    (w.race_ops ?? []).length,
    w.fork_at === undefined ? 0 : 1,
    // Accesses of the region, then a leftover interval of accesses that no longer happen.
    w.pageout_access !== 'none' ? 2 : w.pageout_access_interval !== 20_000 ? 1 : 0,
    mthp + (memory.thp !== undefined && memory.thp !== 'never' ? 1 : 0) + (s.swap.rotational === undefined ? 0 : 1),
    s.swap.zswap.enabled ? 1 : 0,
    s.pageout.zero_pages,
    w.lazy_cpus.length,
    w.process === 'same' ? 0 : 1,
    (w.access === 'hot' ? 0 : 1) + (w.region === PAGE ? 0 : 1),
    (s.pageout.chunk === 'whole' ? 0 : 1) + (s.pageout.mode === 'dirty' ? 0 : 1),
    (pageout.backing === undefined ? 0 : 1) + (stress.backing === undefined ? 0 : 1),
    plain_machine,
    DEVICE_RANK[s.swap.device] ?? 0,
    o.memcg === undefined ? 0 : 1,
    reclaim.kswapd_cpu === undefined ? 0 : 1,
    reclaim.lru === undefined || reclaim.lru === 'classic' ? 0 : 1,
    w.threads,
    s.machine.cpus,
    s.pageout.size / PAGE,
    (stress.workers as number | undefined) ?? 0,
    (stress.passes as number | undefined) ?? 0,
    ((stress.bytes as number | undefined) ?? 0) / PAGE,
    w.race_pages ?? 0,
    s.swap.zswap.incompressible,
    s.pageout.cpu,
    s.machine.memory / PAGE,
  ];
}

/** One shrink step: a name for the report, and the edited scenario data (null: does not apply). */
interface Move {
  name: string;
  apply(o: Obj): Obj | null;
}

/** Deletes fields of a section (they take their defaults); null when none of them is set. */
function drop(path: string, keys: readonly string[], when: (v: Obj) => boolean = () => true): Move {
  return {
    name: `drop ${path}.${keys[0] as string}`,
    apply(o) {
      const part = o[path] as Obj | undefined;
      if (part === undefined || !keys.some((k) => part[k] !== undefined) || !when(part)) return null;
      const next = structuredClone(o);
      for (const k of keys) delete (next[path] as Obj)[k];
      return next;
    },
  };
}

function set(path: string, key: string, value: unknown, name = `${path}.${key}=${stable_json(value, 0)}`): Move {
  return {
    name,
    apply(o) {
      const part = o[path] as Obj | undefined;
      if (part === undefined || part[key] === undefined || stable_json(part[key], 0) === stable_json(value, 0)) return null;
      const next = structuredClone(o);
      (next[path] as Obj)[key] = value;
      return next;
    },
  };
}

/**
 * An integer toward its minimum: straight to it, else halfway, else one less (halving 3
 * workers to 1 can miss what 2 shows). `scale` edits the scenario further for the new value.
 */
function shrink_int(path: string, key: string, min: number, unit = 1, scale?: (o: Obj, from: number, to: number) => void): Move[] {
  const part_of = (o: Obj): Obj | undefined => path.split('.').reduce<Obj | undefined>((p, k) => p?.[k] as Obj | undefined, o);
  const step = (name: string, target: (v: number) => number): Move => ({
    name: `${path}.${key} ${name}`,
    apply(o) {
      const part = part_of(o);
      const raw = part?.[key];
      if (typeof raw !== 'number') return null;
      const v = raw / unit;
      const to = target(v);
      if (!(to < v) || to < min) return null;
      const next = structuredClone(o);
      (part_of(next) as Obj)[key] = to * unit;
      scale?.(next, v, to);
      return next;
    },
  });
  return [step('to minimum', () => min), step('halved', (v) => min + Math.floor((v - min) / 2)), step('minus one', (v) => v - 1)];
}

/** Fewer CPUs take the threads beyond them along (the threads' CPUs follow the pageout CPU). */
function fit_threads(o: Obj, _from: number, to: number): void {
  const w = o.workload as Obj;
  if (typeof w.threads === 'number' && w.threads > to - 1) w.threads = Math.max(0, to - 1);
}

/** Smaller stress regions take the cgroup limit down by the same ratio, so reclaim still runs. */
function scale_memcg(o: Obj, from: number, to: number): void {
  const memcg = o.memcg as Obj | undefined;
  if (memcg !== undefined && typeof memcg.max === 'number') memcg.max = Math.max(PAGE, Math.ceil((memcg.max * to) / from / PAGE) * PAGE);
}

/** The moves, in the order tried: features removed first, then the machine made plain, then sizes made small. */
export const MOVES: readonly Move[] = [
  drop('workload', ['race_ops', 'race_interval', 'race_pages']),
  drop('workload', ['fork_at', 'fork_threads']),
  set('workload', 'pageout_access', 'none'),
  drop('workload', ['pageout_access_interval'], (w) => w.pageout_access === 'none'),
  { name: 'order-0 folios', apply: (o) => (o.memory === undefined ? null : (({ memory: _m, ...rest }) => rest)(o)) },
  drop('swap', ['rotational']),
  set('swap', 'zswap', { enabled: false, writeback: true, incompressible: 0 }, 'no zswap'),
  set('pageout', 'zero_pages', 0),
  set('workload', 'lazy_cpus', []),
  set('workload', 'process', 'same'),
  set('workload', 'access', 'hot'),
  set('workload', 'region', PAGE),
  set('pageout', 'chunk', 'whole'),
  set('pageout', 'mode', 'dirty'),
  drop('pageout', ['backing', 'mapping']),
  drop('stress', ['backing', 'mapping', 'access', 'files', 'io']),
  {
    name: 'plain x86 machine',
    apply(o) {
      const m = o.machine as Obj;
      const plain = { cpus: m.cpus, memory: m.memory };
      if (Object.keys(m).every((k) => k in plain || ['tlb_entries', 'tlb_single_page_flush_ceiling', 'cost'].includes(k))) return null;
      return { ...structuredClone(o), machine: plain };
    },
  },
  set('swap', 'device', 'zram'),
  {
    name: 'swap device one rank down',
    apply(o) {
      const device = (o.swap as Obj).device as string;
      const lower = Object.keys(DEVICE_RANK).find((d) => DEVICE_RANK[d] === (DEVICE_RANK[device] ?? 0) - 1);
      return lower === undefined ? null : { ...structuredClone(o), swap: { ...(o.swap as Obj), device: lower } };
    },
  },
  { name: 'no memcg', apply: (o) => (o.memcg === undefined ? null : (({ memcg: _m, ...rest }) => rest)(o)) },
  drop('reclaim', ['kswapd_cpu']),
  // The multi-gen LRU is a feature too: a finding that shows under classic too is shown there.
  drop('reclaim', ['lru']),
  ...shrink_int('workload', 'threads', 0),
  ...shrink_int('machine', 'cpus', 1, 1, fit_threads),
  ...shrink_int('pageout', 'size', 1, PAGE),
  ...shrink_int('stress', 'workers', 1),
  ...shrink_int('stress', 'passes', 1),
  ...shrink_int('stress', 'bytes', 16, PAGE, scale_memcg),
  ...shrink_int('workload', 'race_pages', 1),
  ...shrink_int('swap.zswap', 'incompressible', 0),
  ...shrink_int('pageout', 'cpu', 0),
  { name: 'machine.memory halved', apply: (o) => ((o.machine as Obj).memory as number) <= 2 * 1024 * 1024 ? null : { ...structuredClone(o), machine: { ...(o.machine as Obj), memory: Math.floor(((o.machine as Obj).memory as number) / 2 / PAGE) * PAGE } } },
];

/** The scenario the loader makes of edited data, or null when it is not a valid scenario. */
export function revalidate(o: Obj): Scenario | null {
  try {
    return parse_scenario(stable_json(o, 0), '<shrink>');
  } catch (error) {
    if (error instanceof ScenarioError) return null;
    throw error;
  }
}

/** Whether `after` is strictly smaller: no rank component grew, at least one fell. */
export function lowers_rank(before: readonly number[], after: readonly number[]): boolean {
  return after.every((v, i) => v <= (before[i] as number)) && after.some((v, i) => v < (before[i] as number));
}

/**
 * The candidates one step smaller than `s`, in move order: each valid and strictly lower in
 * rank (a move whose result the loader re-derives upward, e.g. a preset's CPUs, is dropped).
 */
export function* smaller(s: Scenario): Generator<{ move: string; scenario: Scenario }> {
  const base = JSON.parse(stable_json(s, 0)) as Obj;
  const before = rank(s);
  for (const move of MOVES) {
    const edited = move.apply(base);
    if (edited === null) continue;
    const next = revalidate(edited);
    if (next !== null && lowers_rank(before, rank(next))) yield { move: move.name, scenario: next };
  }
}
