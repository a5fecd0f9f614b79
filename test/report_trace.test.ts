/**
 * The Chrome trace-event JSON (--trace): the structure ui.perfetto.dev needs — required
 * fields, strictly nested slices per track, monotonic timestamps per track once sorted,
 * metadata names — the kernel's tracepoint names and fields, the counts the result reports,
 * and the bounds: window, CPUs, cap, and a reorder buffer that fixes the model's event order.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { IRQ_IO, IRQ_TLB, TLB_FLUSH_REASONS } from '../src/hw/tracer.js';
import { RecordHeap, empty_record } from '../src/report/record_heap.js';
import { record_run } from '../src/report/record_run.js';
import { TraceRecorder } from '../src/report/trace_recorder.js';
import { ChromeTraceSink } from '../src/report/chrome_trace.js';
import { TextBuffer } from '../src/report/text_writer.js';
import type { TraceContext } from '../src/report/trace_context.js';
import type { RunResult } from '../src/run/result.js';
import { load_scenario } from '../src/scenario/load.js';
import { structure_problems, type TraceFile } from './trace_check.js';

const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-trace-'));

function traced(file: string, sets: string[] = [], limits = {}, strategy = 'upstream'): { trace: TraceFile; text: string; result: RunResult } {
  const path = join(dir, file);
  const { result } = record_run(load_scenario('dirty-16m', sets), { strategy, trace_json: path, trace_limits: limits });
  const text = readFileSync(path, 'utf8');
  return { trace: JSON.parse(text) as TraceFile, text, result };
}

describe('Chrome trace-event JSON', () => {
  let full: { trace: TraceFile; text: string; result: RunResult };
  beforeAll(() => {
    full = traced('full.json');
  });

  it('is well-formed, strictly nested per track and monotonic per track', () => {
    expect(full.trace.displayTimeUnit).toBe('ns');
    expect(structure_problems(full.trace)).toEqual([]);
  });

  it('names the machine, every CPU, every task and the phases', () => {
    const meta = full.trace.traceEvents.filter((e) => e.ph === 'M');
    const threads = meta.filter((e) => e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}=${String(e.args?.name)}`);
    expect(threads).toEqual(expect.arrayContaining(['1/0=CPU 0', '1/1=CPU 1', '1/9999=experiment phases', '1000/1000=madvise (madvise-1000)', '1000/1001=app/1 (app-1001)']));
    expect(meta.some((e) => e.name === 'process_name' && e.pid === 1)).toBe(true);
  });

  it('carries tlb:tlb_flush with pages and the reason as number and string, one per shootdown the result counts', () => {
    const flushes = full.trace.traceEvents.filter((e) => e.name === 'tlb:tlb_flush');
    for (const f of flushes) {
      expect(f.ph).toBe('i');
      expect(typeof f.args?.pages).toBe('number');
      expect(f.args?.reason_name).toBe(TLB_FLUSH_REASONS[f.args?.reason as number]);
    }
    const received = (cpu: number) => flushes.filter((f) => f.tid === cpu && f.args?.reason === 1).length;
    expect([received(0), received(1)]).toEqual(full.result.interrupts.TLB);
    const sent = flushes.filter((f) => f.args?.reason === 4).length;
    expect(sent).toBe(full.result.vmstat.nr_tlb_remote_flush);
  });

  it('puts each shootdown handler inside the task running on the CPU, and the block/vmscan events under kernel names', () => {
    const on_cpu1 = full.trace.traceEvents.filter((e) => e.pid === 1 && e.tid === 1 && e.ph === 'X');
    // One handler slice per CAL interrupt; with two CPUs each goes to one CPU: call_function_single.
    expect(on_cpu1.filter((e) => e.name === 'irq_vectors:call_function_single')).toHaveLength(full.result.interrupts.CAL?.[1] as number);
    expect(on_cpu1.filter((e) => e.name === 'irq_vectors:call_function_single' || e.name === 'sim:queued_call')).toHaveLength(full.result.interrupts.TLB?.[1] as number);
    expect(on_cpu1.filter((e) => e.name === 'app/1')).toHaveLength(1);
    const names = new Set(full.trace.traceEvents.map((e) => e.name));
    for (const name of ['vmscan:mm_vmscan_write_folio', 'block:block_bio_queue', 'block:block_rq_issue', 'block:block_rq_complete', 'irq:irq_handler', 'sim:shrink_folio_list', 'pswpout', 'app/1 ops/s']) {
      expect(names, name).toContain(name);
    }
    expect(full.trace.traceEvents.filter((e) => e.name === 'vmscan:mm_vmscan_write_folio')).toHaveLength(full.result.vmstat.pswpout as number);
    const bio = full.trace.traceEvents.find((e) => e.name === 'block:block_bio_queue');
    expect(bio?.args).toMatchObject({ dev: '259,0', rwbs: 'W', nr_sector: 8, comm: 'madvise' });
    // Only kernel systems or sim: (DESIGN.md section 6).
    for (const e of full.trace.traceEvents) if (e.ph === 'i' || e.ph === 'X') expect(e.name).toMatch(/^(tlb|vmscan|block|irq|irq_vectors|sim):|^(madvise|app\/\d+)$/);
  });

  it('is the same bytes for the same run', () => {
    expect(traced('again.json').text).toBe(full.text);
  });

  it('keeps only the window and CPUs asked for', () => {
    const { trace } = traced('window.json', [], { window_start_ns: 2_000_000, window_end_ns: 3_000_000, cpus: [1] });
    expect(structure_problems(trace)).toEqual([]);
    const events = trace.traceEvents.filter((e) => e.ph === 'i' || (e.ph === 'X' && e.name.includes(':') && !e.name.startsWith('sim:phase')));
    expect(events.length).toBeGreaterThan(100);
    for (const e of events) {
      expect(e.tid === 1 || e.pid !== 1, JSON.stringify(e)).toBe(true);
      expect(e.ts as number).toBeGreaterThanOrEqual(2000);
      expect(e.ts as number).toBeLessThan(3000);
    }
  });

  it('stops at the cap and says so in the file', () => {
    const { trace } = traced('cap.json', [], { events_max: 500 });
    expect(structure_problems(trace)).toEqual([]);
    expect(trace.otherData.reclaimsim.events).toBe(500);
    expect(trace.otherData.reclaimsim.truncated).toMatch(/event cap of 500 reached/);
    expect(trace.traceEvents.some((e) => e.name === 'sim:trace_truncated')).toBe(true);
  });
});

describe('trace recorder', () => {
  const ctx: TraceContext = { title: 't', nr_cpus: 2, cpu_task: [null, null], tasks: [], device: { major: 259, minor: 0, disk: 'nvme0n1', irq: 130, irq_name: 'nvme0q1' } };
  const result = { phases: [], sim_time_ns: 100_000, tasks: [] } as unknown as RunResult;

  it('writes events in time order whatever order they arrive in, and serializes a CPU\'s handlers', () => {
    const out = new TextBuffer();
    const rec = new TraceRecorder(2, [new ChromeTraceSink(out, ctx)]);
    rec.tlb_flush(0, 5_000, 4, -1);
    rec.irq(1, 9_000, 1_000, IRQ_TLB); // reported ahead of time
    rec.irq(1, 9_500, 2_000, IRQ_IO); // overlaps: runs after the first
    rec.tlb_flush(1, 3_000, 1, -1); // late
    rec.finish(result);
    const trace = JSON.parse(out.text()) as TraceFile;
    const events = trace.traceEvents.filter((e) => e.ph !== 'M' && e.ph !== 'C');
    expect(events.map((e) => [e.name, e.ts])).toEqual([
      ['tlb:tlb_flush', 3],
      ['tlb:tlb_flush', 5],
      ['irq_vectors:call_function', 9],
      ['irq:irq_handler', 10],
    ]);
    expect(structure_problems(trace)).toEqual([]);
  });

  it('holds records in a heap that pops them by time, then arrival', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (times) => {
        const heap = new RecordHeap(1000);
        times.forEach((t, i) => heap.push(0, 0, t, i, 0, 0, 0));
        const r = empty_record();
        const out: [number, number][] = [];
        while (heap.pop(r)) out.push([r.t_ns, r.a]);
        const expected = times.map((t, i) => [t, i] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(out).toEqual(expected);
      }),
    );
  });
});
