/**
 * The oracle's state stays bounded over a long run (issue 16): a stress run changes the set
 * of CPUs running a process thousands of times per pass, and the oracle once kept one array
 * per change (1 GB peak at 300 passes). Measured as the size of its structures, which is
 * deterministic, not as RSS.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Oracle } from '../src/oracle/oracle.js';
import { run_scenario } from '../src/run/run_scenario.js';
import { load_scenario } from '../src/scenario/load.js';

/** Entry counts of every Map, Set and array the oracle (and its stale translations) holds. */
function footprint(oracle: Oracle): number {
  let total = 0;
  const count = (object: object) => {
    for (const value of Object.values(object)) {
      if (value instanceof Map || value instanceof Set) total += value.size;
      else if (Array.isArray(value)) total += value.length;
    }
  };
  count(oracle);
  count((oracle as unknown as { stale: object }).stale);
  return total;
}

function oracle_after(passes: number): Oracle {
  // The spy calls through; it only remembers the oracle it was called on.
  const install = vi.spyOn(Oracle.prototype, 'install');
  const result = run_scenario(load_scenario('stress-memcg', [`stress.passes=${passes}`]));
  expect(result.oracle.verdict).toBe('correct');
  const oracle = install.mock.contexts[0] as Oracle;
  vi.restoreAllMocks();
  return oracle;
}

describe('the oracle over a long stress run', () => {
  afterEach(() => vi.restoreAllMocks());

  it('holds as many entries after 20 passes as after 2', () => {
    const short = footprint(oracle_after(2));
    const long = footprint(oracle_after(20));
    expect(short).toBeLessThan(100);
    expect(long).toBe(short);
  });
});
