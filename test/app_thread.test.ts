/**
 * An application thread's operations: kernel time (its faults, its system calls) is charged
 * by wall time however many TLB flushes fall inside it, and interrupt time is charged once.
 * A flush used to close the thread's interval counting an open fault as running time, and
 * the fault's whole duration was then taken from the next (shorter) interval, clamped at
 * zero: under a flush every few microseconds most of a 50 us swap-in went uncharged.
 */
import { describe, expect, it } from 'vitest';
import type { Tracer } from '../src/hw/tracer.js';
import { AppThread } from '../src/workload/app_thread.js';
import { run_builtin } from './helpers.js';

/** A thread whose TLB refills cost nothing (walk_ns 0): operations = running ns / op_ns. */
function thread(): AppThread {
  return new AppThread({ name: 't', cpu: 1, op_ns: 2, working_set_pages: 1, tlb_entries: 64, walk_ns: 0 });
}

describe('AppThread', () => {
  it('charges a fault by wall time even when flushes fall inside it', () => {
    const t = thread();
    t.enter_kernel(10_000);
    for (let at = 15_000; at < 60_000; at += 5_000) t.on_tlb_flush_all(at);
    expect(t.ops_at(30_000)).toBe(5_000);
    t.exit_kernel(60_000, 0);
    expect(t.ops_at(100_000)).toBe(25_000);
    expect(t.flushes).toBe(9);
  });

  it('charges an interrupt once: in user time as stolen, not again when the task absorbs it into a fault', () => {
    const t = thread();
    t.on_interrupt(1_000, -1);
    t.enter_kernel(10_000);
    // The fault's wall time holds the 1 us the task absorbed (must_sync's irq debt).
    t.exit_kernel(20_000, 1_000);
    expect(t.ops_at(100_000)).toBe(45_000);
    expect(t.interrupted_ns).toBe(1_000);
  });

  it('does not charge an interrupt inside a fault beside the fault', () => {
    const t = thread();
    t.enter_kernel(10_000);
    t.on_interrupt(2_000, 12_000);
    t.exit_kernel(20_000, 2_000);
    expect(t.ops_at(100_000)).toBe(45_000);
    expect(t.interrupted_ns).toBe(2_000);
  });

  it('charges overlapping spans of its two tasks (accessor and racer) once', () => {
    const t = thread();
    t.enter_kernel(10_000);
    t.enter_kernel(15_000);
    t.exit_kernel(20_000, 0);
    t.exit_kernel(30_000, 0);
    expect(t.ops_at(100_000)).toBe(40_000);
  });
});

describe('co-runners faulting under a flush storm (review quick: clean-mixed)', () => {
  const sets = ['machine.cpus=4', 'workload.threads=3', 'workload.pageout_access=mixed', 'workload.pageout_access_interval=5us'];

  for (const strategy of ['upstream', 'batched']) {
    it(`${strategy}: each thread loses at least its faults' time, less the interrupts they absorbed`, () => {
      const faults_ns = [0, 0, 0, 0];
      const faults: [number, number, number][] = [];
      // Every other tracepoint does nothing.
      const page_fault = (cpu: number, start: number, d: number) => faults.push([cpu, start, d]);
      const tracer = new Proxy({}, { get: (_, name) => (name === 'page_fault' ? page_fault : () => {}) }) as Tracer;
      const r = run_builtin('clean-16m', sets, { strategy, tracer, oracle: false });
      const pageout = r.phases.find((p) => p.name === 'pageout');
      expect(pageout).toBeDefined();
      const { start_ns, end_ns } = pageout as { start_ns: number; end_ns: number };
      for (const [cpu, start, d] of faults) if (start >= start_ns && start + d <= end_ns) faults_ns[cpu] = (faults_ns[cpu] as number) + d;
      for (const task of r.tasks) {
        // Hot threads: 2 ns an operation, one page in the TLB (a refill is one walk).
        const lost_ns = end_ns - start_ns - task.ops * 2;
        expect(lost_ns).toBeGreaterThan((faults_ns[task.cpu] as number) - task.sim_interrupted_ns);
      }
      expect(r.tasks.map((t) => t.throughput_change_pct)).toEqual(strategy === 'upstream' ? [-65.1, -65.48, -61.24] : [-67.99, -72.31, -68.03]);
    });
  }
});
