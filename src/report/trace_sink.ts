import type { RunResult } from '../run/result.js';
import type { TraceRecord } from './record_heap.js';

/** What the recorder knows once the run has ended, for a sink's closing part. */
export interface TraceTail {
  result: RunResult;
  /** The stretch of simulated time the trace covers. */
  start_ns: number;
  end_ns: number;
  /** Per CPU, where its last interrupt handler ended (a CPU's task slice must cover it). */
  cpu_busy_end_ns: number[];
  /** Events written (points and span starts). */
  events: number;
  /** The cap and when it was reached; null when every event in the window was written. */
  cap: { events_max: number; at_ns: number } | null;
  /** Events that arrived after a later one had already been written (the reorder buffer was too small). */
  late: number;
  /** Interrupt handlers started later than reported because the CPU was still in another one. */
  delayed_irqs: number;
  /** The filters asked for, as text for a note. */
  filters: string;
}

/**
 * A trace format. The recorder hands it events in time order (per CPU, interrupt handlers
 * never overlap), then the tail.
 */
export interface TraceSink {
  /** A point event, or the start of a span (R_IRQ, R_SHRINK, R_FAULT; `a` is its duration in ns). */
  record(r: TraceRecord): void;
  /** The end of a span whose start was recorded: `b` its kind, `c` its sub-kind (IRQ kind, major). */
  span_end(r: TraceRecord): void;
  /** A counter's value from `t_ns` on. */
  counter(name: string, t_ns: number, value: number): void;
  /** Writes the closing part and closes the file. */
  finish(tail: TraceTail): void;
}

/** The note a truncated trace carries. */
export function cap_note(tail: TraceTail): string {
  if (tail.cap === null) return '';
  return `event cap of ${tail.cap.events_max} reached at ${tail.cap.at_ns} ns (sim time); later events were dropped. ` +
    'Raise --trace-events-max or narrow the trace with --trace-window / --trace-cpus.';
}
