import type { ScenarioParsed } from './schema.js';

/** Default bogo-ops per stress worker when neither passes nor a duration is given. */
export const DEFAULT_STRESS_PASSES = 4;

/** The stress section with its defaults resolved (a stress scenario need not write one). */
export function stress_params(s: Pick<ScenarioParsed, 'stress'>): { workers: number; bytes: number; passes: number; duration_ns: number; start_spread_ns: number } {
  const workers = s.stress?.workers ?? 4;
  const bytes = s.stress?.bytes ?? 16 * 1024 ** 2;
  const duration_ns = s.stress?.duration ?? Infinity;
  const passes = s.stress?.passes ?? (s.stress?.duration === undefined ? DEFAULT_STRESS_PASSES : Infinity);
  const start_spread_ns = s.stress?.start_spread ?? 100_000;
  return { workers, bytes, passes, duration_ns, start_spread_ns };
}

/** CPUs of the stress workers: 0 .. workers - 1. */
export function stress_worker_cpus(workers: number): number[] {
  return Array.from({ length: workers }, (_, i) => i);
}

/** The workload's kind, madvise unless stated. */
export function workload_kind(s: Pick<ScenarioParsed, 'workload'>): 'madvise' | 'stress' {
  return s.workload.kind ?? 'madvise';
}
