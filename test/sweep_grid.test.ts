/** Sweep files and grid expansion: order, run ids, seeds, overrides, shards, and errors that point at the sweep file. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stable_json } from '../src/run/result.js';
import { ScenarioError } from '../src/scenario/load.js';
import { expand_grid } from '../src/sweep/grid.js';
import { parse_shard, shard_runs } from '../src/sweep/shard.js';
import { parse_sweep } from '../src/sweep/sweep_file.js';
import { temp_dir, write_file } from './sweep_helpers.js';

function grid(text: string, file = 'sweep.yaml') {
  return expand_grid(parse_sweep(text, file));
}

function issues_of(text: string): string[] {
  try {
    grid(text, 'bad.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error.message.split('\n');
    throw error;
  }
  return [];
}

const SWEEP = `base: dirty-16m
axes:
  machine.cpus: [2, 4]
  swap.device: [nvme, zram]
strategies: [upstream, batched]
seeds: [7, 8]
`;

describe('sweep grid', () => {
  it('expands the cartesian product in file order: first axis slowest, then strategies, then seeds', () => {
    const runs = grid(SWEEP);
    expect(runs).toHaveLength(16);
    expect(runs.map((r) => r.index)).toEqual([...Array(16).keys()]);
    const key = (r: (typeof runs)[number]) => `${String(r.point['machine.cpus'])}/${String(r.point['swap.device'])}/${r.strategy}/${r.seed}`;
    expect(runs.slice(0, 5).map(key)).toEqual(['2/nvme/upstream/7', '2/nvme/upstream/8', '2/nvme/batched/7', '2/nvme/batched/8', '2/zram/upstream/7']);
    expect(key(runs[15] as (typeof runs)[number])).toBe('4/zram/batched/8');
    expect(runs[0]?.scenario.machine.cpus).toBe(2);
    expect(runs[15]?.scenario.swap.device).toBe('zram');
    expect(runs[0]?.sweep).toBe('sweep');
  });

  it('gives each run a stable id: sha256 hex of its resolved scenario, strategy and seed', () => {
    const runs = grid(SWEEP);
    const again = grid(SWEEP);
    expect(again.map((r) => r.id)).toEqual(runs.map((r) => r.id));
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    for (const run of runs) {
      expect(run.id).toMatch(/^[0-9a-f]{64}$/);
      const expected = createHash('sha256').update(stable_json({ scenario: run.scenario, strategy: run.strategy, seed: run.seed }, 0)).digest('hex');
      expect(run.id).toBe(expected);
    }
    // The id depends on the resolved scenario, not on how the sweep spelled it.
    const spelled = grid('base: dirty-16m\naxes:\n  pageout.size: [16777216]\nseeds: [7]\n');
    const plain = grid('base: dirty-16m\naxes:\n  pageout.size: [16MiB]\nseeds: [7]\n');
    expect(spelled[0]?.id).toBe(plain[0]?.id);
  });

  it('takes seeds as a count (1..N), a list, or from the scenario', () => {
    expect(grid('base: dirty-16m\nseeds: 3\n').map((r) => r.seed)).toEqual([1, 2, 3]);
    expect(grid('base: dirty-16m\nseeds: [5, 9]\n').map((r) => r.seed)).toEqual([5, 9]);
    expect(grid('base: dirty-16m\nset:\n  seed: 42\n').map((r) => r.seed)).toEqual([42]);
    expect(grid('base: dirty-16m\n').map((r) => r.strategy)).toEqual(['upstream']);
  });

  it('applies set: overrides, which an axis of the same path overrides in turn', () => {
    const runs = grid('base: dirty-16m\nset:\n  machine.cpus: 8\n  swap.device: zram\naxes:\n  machine.cpus: [2, 4]\n');
    expect(runs.map((r) => [r.scenario.machine.cpus, r.scenario.swap.device])).toEqual([[2, 'zram'], [4, 'zram']]);
    expect(runs[0]?.command).toBe('reclaimsim run dirty-16m --set swap.device=zram --set machine.cpus=2 --strategy upstream --seed 1');
  });

  it('finds a base scenario file beside the sweep file', () => {
    const dir = temp_dir();
    write_file(dir, 'mine.yaml', 'name: mine\nmachine:\n  cpus: 3\n  memory: 256MiB\n');
    const sweep = write_file(dir, 'sweep.yaml', 'base: mine.yaml\n');
    const runs = grid('base: mine.yaml\n', sweep);
    expect(runs[0]?.scenario.machine.cpus).toBe(3);
    expect(runs[0]?.scenario.name).toBe('mine');
  });

  it('splits the grid into shards that hold every run exactly once', () => {
    const runs = grid(SWEEP);
    const shards = [0, 1, 2].map((i) => shard_runs(runs, parse_shard(`${i}/3`)));
    expect(shards.map((s) => s.length)).toEqual([6, 5, 5]);
    expect(shards.flat().map((r) => r.index).sort((a, b) => a - b)).toEqual(runs.map((r) => r.index));
    expect(() => parse_shard('3/3')).toThrow(/0 <= i < N/);
    expect(() => parse_shard('1-3')).toThrow(/expected i\/N/);
  });
});

describe('sweep file errors name file:line:col, the field and what is allowed', () => {
  it('unknown fields, and a missing base', () => {
    expect(issues_of('base: dirty-16m\naxis:\n  machine.cpus: [2]\n')).toContainEqual(expect.stringMatching(/^bad\.yaml:1:1 \(sweep\): unknown field\(s\) axis \(fields: .*axes/));
    expect(issues_of('axes: {}\n')).toContainEqual(expect.stringMatching(/^bad\.yaml:1:1 base: /));
  });

  it('an axis or set path that is not a scenario field, at its line', () => {
    expect(issues_of('base: dirty-16m\naxes:\n  machine.cpuz: [2, 4]\n')).toContainEqual('bad.yaml:3:17 axes.machine.cpuz: machine.cpuz is not a scenario field (see the scenario table in the README)');
    expect(issues_of('base: dirty-16m\nset:\n  workload.nope: 1\n')).toContainEqual(expect.stringMatching(/^bad\.yaml:3:18 set\.workload\.nope: workload\.nope is not a scenario field/));
  });

  it('an axis value the scenario rejects, at the value itself', () => {
    const issues = issues_of('base: dirty-16m\naxes:\n  machine.cpus: [2, 0]\n  swap.device: [nvme, floppy]\n');
    expect(issues).toContainEqual(expect.stringMatching(/^bad\.yaml:3:21 machine\.cpus: .*>=1 \(got 0\)$/));
    expect(issues).toContainEqual(expect.stringMatching(/^bad\.yaml:4:23 swap\.device: .*"nvme"\|"ssd"\|"hdd"\|"zram".*\(got floppy\)$/));
  });

  it('reclaim.lru: classic and mglru are both grid values (issue 13)', () => {
    expect(issues_of('base: dirty-16m\naxes:\n  reclaim.lru: [classic, mglru]\n')).toEqual([]);
  });

  it('an issue only a combination causes names the grid point', () => {
    const issues = issues_of('base: dirty-16m\naxes:\n  workload.threads: [1, 3]\n');
    expect(issues).toContainEqual(expect.stringMatching(/^bad\.yaml:3:25 workload\.threads: at most machine\.cpus - 1/));
    const combos = issues_of('base: dirty-16m\naxes:\n  machine.cpus: [2, 4]\n  pageout.cpu: [1, 3]\n');
    expect(combos).toEqual(['bad.yaml:4:20 pageout.cpu: must be below machine.cpus (2) (got 3), at grid point machine.cpus=2, pageout.cpu=3']);
  });

  it('unknown strategies, repeated values, bad seeds, a missing base scenario, YAML syntax', () => {
    expect(issues_of('base: dirty-16m\nstrategies: [upstream, nope]\n')).toContainEqual(expect.stringMatching(/^bad\.yaml:2:24 strategies\.1: unknown strategy "nope" \(built in: upstream, /));
    expect(issues_of('base: dirty-16m\naxes:\n  machine.cpus: [2, 4, 2]\n')).toContainEqual('bad.yaml:3:24 axes.machine.cpus.2: repeats 2');
    expect(issues_of('base: dirty-16m\nseeds: 0\n')).toContainEqual(expect.stringMatching(/^bad\.yaml:2:8 seeds: .*>=1/));
    expect(issues_of('base: dirty-16m\nseeds: two\n')).toContainEqual(expect.stringMatching(/^bad\.yaml:2:8 seeds: a number of seeds \(1\.\.100000, meaning seeds 1\.\.N\) or a list of seeds/));
    expect(issues_of('base: no-such-scenario\n')).toContainEqual(expect.stringMatching(/^bad\.yaml:1:7 base: no such file, and not a built-in scenario/));
    expect(issues_of('base: dirty-16m\naxes: {machine.cpus: [2\n')[0]).toMatch(/^bad\.yaml:\d+:\d+ \(sweep\): YAML/);
  });

  it('two grid points that resolve to the same run', () => {
    expect(issues_of('base: dirty-16m\naxes:\n  pageout.size: [16MiB, 16777216]\n')).toContainEqual(expect.stringMatching(/resolve to the same scenario/));
  });
});
