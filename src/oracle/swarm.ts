import { Prng } from '../engine/prng.js';
import { scenario_schema, type Scenario } from '../scenario/schema.js';

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
 * writes of the region under reclaim at a random rate. The same seed gives the same scenario.
 */
export function swarm_scenario(seed: number): Scenario {
  const prng = Prng.stream(seed, 0);
  const cpus = prng.range_inclusive(1, 12);
  const threads = prng.range_inclusive(0, cpus - 1);
  const process = prng.chance(3, 4) ? 'same' : 'separate';
  const lazy_cpus = threads + 1 < cpus && prng.chance(1, 3) ? [threads + 1] : [];
  const pages = prng.range_inclusive(1, 1536);
  return scenario_schema.parse({
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
  });
}
