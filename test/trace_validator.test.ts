/**
 * Every Chrome trace of every built-in scenario opens cleanly in Perfetto: slices strictly
 * nested per track (interrupt handlers inside the task on their CPU, reclaim calls inside
 * the faults that entered them), and every process and thread that carries events named.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { record_run } from '../src/report/record_run.js';
import { list_builtin_scenarios, load_scenario } from '../src/scenario/load.js';
import { structure_problems, unnamed_tracks, type TraceFile } from './trace_check.js';

const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-validate-'));

describe('Chrome traces of the built-in scenarios', () => {
  for (const { name } of list_builtin_scenarios()) {
    it(`${name}: nested per track, every process and thread named`, () => {
      const path = join(dir, `${name}.json`);
      record_run(load_scenario(name), { trace_json: path });
      const trace = JSON.parse(readFileSync(path, 'utf8')) as TraceFile;
      expect(structure_problems(trace).slice(0, 5)).toEqual([]);
      expect(unnamed_tracks(trace)).toEqual([]);
    }, 120_000);
  }

  it('names stress workers and kswapd as the kernel does', () => {
    const path = join(dir, 'kswapd-names.json');
    record_run(load_scenario('kswapd-48m'), { trace_json: path });
    const trace = JSON.parse(readFileSync(path, 'utf8')) as TraceFile;
    const threads = trace.traceEvents.filter((e) => e.name === 'thread_name').map((e) => String(e.args?.name));
    expect(threads).toEqual(expect.arrayContaining(['vm/1 (stress-ng-vm-1001)', 'kswapd0 (kswapd0-85)']));
    const processes = trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => String(e.args?.name));
    expect(processes).toEqual(expect.arrayContaining(['stress-ng-vm 1001', 'kswapd0 85']));
    // kswapd's reclaim calls are on its own track.
    expect(trace.traceEvents.some((e) => e.name === 'sim:shrink_folio_list' && e.pid === 85 && e.tid === 85)).toBe(true);
  }, 120_000);
});
