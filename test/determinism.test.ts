import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Kernel } from '../src/reclaim/kernel.js';
import { stable_json } from '../src/run/result.js';
import { run_builtin, without_wall } from './helpers.js';

const GOLDEN = new URL('./golden/dirty-16m.json', import.meta.url);

describe('determinism', () => {
  it('gives byte-identical JSON for the same scenario, strategy and seed', () => {
    for (const name of ['dirty-16m', 'clean-16m']) {
      const a = stable_json(without_wall(run_builtin(name, ['swap.device=ssd'])));
      const b = stable_json(without_wall(run_builtin(name, ['swap.device=ssd'])));
      expect(a).toBe(b);
    }
  });

  it('gives the same result on tables recycled from other runs as on new ones', () => {
    const kernels: Kernel[] = [];
    const fresh = stable_json(without_wall(run_builtin('stress-memcg', [], { inspect: (k) => kernels.push(k) })));
    // Another kind of run leaves tables of other sizes; a leaking strategy leaves tables of
    // the same sizes behind, dirty, and the last run reuses them.
    run_builtin('dirty-16m', ['machine.memory=32MiB']);
    run_builtin('stress-memcg', ['stress.workers=3'], { strategy: 'seed-v1' });
    const recycled = stable_json(without_wall(run_builtin('stress-memcg')));
    expect(recycled).toBe(fresh);
    expect(kernels).toHaveLength(1);
  });

  it('gives byte-identical JSON under the multi-gen LRU too (its memcg LRU\'s random bins come from the seed), after another run', () => {
    const a = stable_json(without_wall(run_builtin('direct-reclaim', ['reclaim.lru=mglru'])));
    run_builtin('kswapd-48m', ['reclaim.lru=mglru']);
    const b = stable_json(without_wall(run_builtin('direct-reclaim', ['reclaim.lru=mglru'])));
    expect(b).toBe(a);
  });

  it('matches the golden result of dirty-16m (UPDATE_GOLDEN=1 rewrites it after an intended change)', () => {
    const actual = `${stable_json(without_wall(run_builtin('dirty-16m')))}\n`;
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, actual);
    expect(actual).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});

describe('observers do not change the run', () => {
  it('gives the same counters with a timeline sampler and a tracer attached', () => {
    const events: string[] = [];
    const tracer = new Proxy({}, { get: (_t, name) => () => events.push(String(name)) }) as import('../src/hw/tracer.js').Tracer;
    for (const name of ['dirty-16m', 'clean-16m']) {
      const plain = run_builtin(name);
      const observed = run_builtin(name, [], { timeline: true, tracer });
      expect(observed.vmstat).toEqual(plain.vmstat);
      expect(observed.interrupts).toEqual(plain.interrupts);
      expect(observed.tasks).toEqual(plain.tasks);
      expect(observed.timeline?.t_ns.length).toBeGreaterThan(10);
    }
    expect(new Set(events)).toEqual(new Set(['tlb_flush', 'irq', 'write_folio', 'bio_queue', 'rq_issue', 'rq_complete', 'shrink_folio_list', 'page_fault']));
  });
});
