import type { RunSpec } from './grid.js';

/** A fixed slice of a grid: shard `index` of `count`, numbered from 0 (as Kubernetes' JOB_COMPLETION_INDEX). */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `i/N` with 0 <= i < N. */
export function parse_shard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index >= count) throw new RangeError(`--shard ${text}: expected i/N with 0 <= i < N, e.g. 0/4`);
  return { index, count };
}

/**
 * The runs of one shard: every count-th run of the grid from the index-th. Interleaving
 * rather than cutting the grid in blocks spreads slow corners of it (many CPUs, big memory)
 * over all shards; together the shards hold every run exactly once.
 */
export function shard_runs(runs: readonly RunSpec[], shard: Shard): RunSpec[] {
  return runs.filter((run) => run.index % shard.count === shard.index);
}
