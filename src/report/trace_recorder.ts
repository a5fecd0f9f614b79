import { TLB_REMOTE_SEND_IPI, TLB_REMOTE_SHOOTDOWN, type Tracer } from '../hw/tracer.js';
import type { RunResult } from '../run/result.js';
import {
  empty_record,
  RecordHeap,
  R_BIO_QUEUE,
  R_FAULT,
  R_IRQ,
  R_RQ_COMPLETE,
  R_RQ_ISSUE,
  R_SHRINK,
  R_SPAN_END,
  R_TLB_FLUSH,
  R_VMSCAN,
  R_WRITE_FOLIO,
  type TraceRecord,
} from './record_heap.js';
import { cap_note, type TraceSink } from './trace_sink.js';

export interface TraceLimits {
  /** Keep events that start at or after this sim time (ns). */
  window_start_ns?: number;
  /** Keep events that start before this sim time (ns). */
  window_end_ns?: number;
  /** Keep only these CPUs' events. */
  cpus?: readonly number[];
  /** Stop writing after this many events (points and span starts); a note in the file says so. */
  events_max?: number;
}

export const DEFAULT_EVENTS_MAX = 200_000;
/**
 * Events held back for reordering. The model reports an event at most a few tens of
 * thousands of events early (64 CPUs answering each shootdown round); 2^18 covers that
 * with room, in about 14 MB.
 */
const REORDER_CAPACITY = 1 << 18;
/** A counter is written at most once per this much sim time (a burst becomes one step). */
const COUNTER_STEP_NS = 10_000;

/** A vmstat-like figure derived from the events, written as a counter track. */
class Counter {
  value = 0;
  private changed_ns = 0;
  private written_ns = -Infinity;
  private pending = false;

  constructor(readonly name: string) {}

  add(t_ns: number, delta: number, sinks: readonly TraceSink[]): void {
    this.value += delta;
    this.changed_ns = t_ns;
    if (t_ns - this.written_ns >= COUNTER_STEP_NS) this.write(sinks);
    else this.pending = true;
  }

  /** Writes a held-back value once its step has passed (or at the end, `force`). */
  settle(t_ns: number, sinks: readonly TraceSink[], force = false): void {
    if (this.pending && (force || t_ns - this.written_ns >= COUNTER_STEP_NS)) this.write(sinks);
  }

  private write(sinks: readonly TraceSink[]): void {
    // A held-back value shows from the end of the step it was held in.
    const at = Math.max(this.changed_ns, this.written_ns + COUNTER_STEP_NS);
    for (const sink of sinks) sink.counter(this.name, at, this.value);
    this.written_ns = at;
    this.pending = false;
  }
}

/**
 * The model's tracer for trace files: filters events by window and CPU, puts them back in
 * time order through a bounded reorder buffer, serializes each CPU's interrupt handlers (a
 * CPU runs one hard interrupt at a time; the model only adds up their cost), closes spans in
 * order, derives counters, and stops at a cap. Memory is bounded by the reorder buffer
 * whatever the run's length: the sinks stream to their files.
 */
export class TraceRecorder implements Tracer {
  private readonly heap = new RecordHeap(REORDER_CAPACITY);
  /** Span ends, and handler starts moved later by serialization: few at a time. */
  private readonly deferred = new RecordHeap(1 << 24);
  private readonly open_spans = new Set<number>();
  private readonly cpu_busy_end: number[];
  private readonly cpu_wanted: boolean[];
  private readonly start_ns: number;
  private readonly end_ns: number;
  private readonly events_max: number;
  private readonly counters = {
    nr_tlb_remote_flush: new Counter('nr_tlb_remote_flush'),
    nr_tlb_remote_flush_received: new Counter('nr_tlb_remote_flush_received'),
    pswpout: new Counter('pswpout'),
    pswpin: new Counter('pswpin'),
    sim_requests_in_flight: new Counter('sim_requests_in_flight'),
  };
  private readonly r = empty_record();
  private next_span = 0;
  private events = 0;
  private last_ns = -Infinity;
  private late = 0;
  private delayed_irqs = 0;
  private cap_ns: number | null = null;
  private finished = false;

  constructor(
    nr_cpus: number,
    private readonly sinks: readonly TraceSink[],
    private readonly limits: TraceLimits = {},
  ) {
    this.cpu_busy_end = new Array<number>(nr_cpus).fill(-Infinity);
    this.cpu_wanted = Array.from({ length: nr_cpus }, (_, cpu) => limits.cpus === undefined || limits.cpus.includes(cpu));
    this.start_ns = limits.window_start_ns ?? 0;
    this.end_ns = limits.window_end_ns ?? Infinity;
    this.events_max = limits.events_max ?? DEFAULT_EVENTS_MAX;
  }

  tlb_flush(cpu: number, t_ns: number, reason: number, pages: number): void {
    this.take(R_TLB_FLUSH, cpu, t_ns, reason, pages, 0, 0);
  }

  irq(cpu: number, start_ns: number, duration_ns: number, kind: number): void {
    this.take(R_IRQ, cpu, start_ns, duration_ns, kind, 0, 0);
  }

  write_folio(cpu: number, t_ns: number, pfn: number, sync: boolean): void {
    this.take(R_WRITE_FOLIO, cpu, t_ns, pfn, sync ? 1 : 0, 0, 0);
  }

  bio_queue(cpu: number, t_ns: number, sector: number, nr_sector: number, write: boolean): void {
    this.take(R_BIO_QUEUE, cpu, t_ns, sector, nr_sector, write ? 1 : 0, 0);
  }

  rq_issue(cpu: number, t_ns: number, sector: number, nr_sector: number, write: boolean): void {
    this.take(R_RQ_ISSUE, cpu, t_ns, sector, nr_sector, write ? 1 : 0, 0);
  }

  rq_complete(cpu: number, t_ns: number, sector: number, nr_sector: number, write: boolean): void {
    this.take(R_RQ_COMPLETE, cpu, t_ns, sector, nr_sector, write ? 1 : 0, 0);
  }

  page_fault(cpu: number, start_ns: number, duration_ns: number, major: boolean): void {
    this.take(R_FAULT, cpu, start_ns, duration_ns, major ? 1 : 0, 0, 0);
  }

  vmscan(cpu: number, t_ns: number, event: number, args: readonly number[]): void {
    this.take(R_VMSCAN, cpu, t_ns, event, 0, 0, 0, args);
  }

  shrink_folio_list(cpu: number, start_ns: number, end_ns: number, nr_scanned: number, nr_reclaimed: number, flush_rounds: number): void {
    this.take(R_SHRINK, cpu, start_ns, end_ns - start_ns, nr_scanned, nr_reclaimed, flush_rounds);
  }

  /**
   * Writes what is still buffered and the closing parts, and closes the files. Returns the
   * note of a trace that reached its event cap (for the terminal too), else null.
   */
  finish(result: RunResult): string | null {
    if (this.finished) return null;
    this.finished = true;
    while (this.heap.pop(this.r)) this.emit(this.r);
    this.flush_deferred(Infinity);
    for (const counter of Object.values(this.counters)) counter.settle(Infinity, this.sinks, true);
    const end_ns = this.cap_ns ?? Math.min(this.end_ns, result.sim_time_ns);
    const tail = {
      result,
      start_ns: this.start_ns,
      end_ns: Math.max(end_ns, this.start_ns),
      cpu_busy_end_ns: this.cpu_busy_end.map((t) => (t === -Infinity ? this.start_ns : t)),
      events: this.events,
      cap: this.cap_ns === null ? null : { events_max: this.events_max, at_ns: this.cap_ns },
      late: this.late,
      delayed_irqs: this.delayed_irqs,
      filters: this.describe_filters(),
    };
    for (const sink of this.sinks) sink.finish(tail);
    return tail.cap === null ? null : cap_note(tail);
  }

  private describe_filters(): string {
    const parts: string[] = [];
    if (this.limits.window_start_ns !== undefined || this.limits.window_end_ns !== undefined) {
      parts.push(`window ${this.start_ns} ns to ${this.end_ns === Infinity ? 'the end' : `${this.end_ns} ns`}`);
    }
    if (this.limits.cpus !== undefined) parts.push(`CPUs ${this.limits.cpus.join(',')}`);
    return parts.length === 0 ? 'none' : parts.join('; ');
  }

  private take(kind: number, cpu: number, t_ns: number, a: number, b: number, c: number, d: number, args: readonly number[] | null = null): void {
    if (this.cap_ns !== null || t_ns < this.start_ns || t_ns >= this.end_ns || this.cpu_wanted[cpu] !== true) return;
    this.heap.push(kind, cpu, t_ns, a, b, c, d, args);
    if (this.heap.full) {
      this.heap.pop(this.r);
      this.emit(this.r);
    }
  }

  private emit(r: TraceRecord): void {
    if (this.cap_ns !== null) return;
    this.flush_deferred(r.t_ns);
    if (r.t_ns < this.last_ns) this.late++;
    if (r.kind === R_IRQ) {
      // A CPU runs one hard interrupt handler at a time: a handler reported during another starts after it.
      const start = Math.max(r.t_ns, this.cpu_busy_end[r.cpu] as number);
      this.cpu_busy_end[r.cpu] = start + r.a;
      if (start > r.t_ns) {
        this.delayed_irqs++;
        const id = this.next_span++;
        this.deferred.push(R_IRQ, r.cpu, start, r.a, r.b, id, 0);
        this.deferred.push(R_SPAN_END, r.cpu, start + r.a, id, R_IRQ, r.b, 0);
        return;
      }
    }
    this.write(r, -1);
  }

  /** Writes a point or a span start (`span` its id when already given one, else -1). */
  private write(r: TraceRecord, span: number): void {
    if (this.events >= this.events_max) {
      this.cap_ns = r.t_ns;
      this.heap.clear();
      return;
    }
    this.events++;
    this.last_ns = Math.max(this.last_ns, r.t_ns);
    for (const sink of this.sinks) sink.record(r);
    if (r.kind === R_IRQ || r.kind === R_SHRINK || r.kind === R_FAULT) {
      const id = span >= 0 ? span : this.next_span++;
      this.open_spans.add(id);
      if (span < 0) this.deferred.push(R_SPAN_END, r.cpu, r.t_ns + r.a, id, r.kind, r.kind === R_IRQ || r.kind === R_FAULT ? r.b : 0, 0);
    }
    this.count(r);
  }

  private count(r: TraceRecord): void {
    const c = this.counters;
    switch (r.kind) {
      case R_TLB_FLUSH:
        if (r.a === TLB_REMOTE_SEND_IPI) c.nr_tlb_remote_flush.add(r.t_ns, 1, this.sinks);
        if (r.a === TLB_REMOTE_SHOOTDOWN) c.nr_tlb_remote_flush_received.add(r.t_ns, 1, this.sinks);
        break;
      case R_BIO_QUEUE:
        (r.c === 1 ? c.pswpout : c.pswpin).add(r.t_ns, r.b / 8, this.sinks);
        break;
      case R_RQ_ISSUE:
        c.sim_requests_in_flight.add(r.t_ns, 1, this.sinks);
        break;
      case R_RQ_COMPLETE:
        c.sim_requests_in_flight.add(r.t_ns, -1, this.sinks);
        break;
      default:
        break;
    }
    for (const counter of Object.values(c)) counter.settle(r.t_ns, this.sinks);
  }

  /** Writes the deferred records due at or before `t_ns`, in time order. */
  private flush_deferred(t_ns: number): void {
    const d = empty_record();
    while (this.deferred.size > 0 && this.deferred.peek_time() <= t_ns) {
      this.deferred.pop(d);
      if (d.kind === R_SPAN_END) {
        if (!this.open_spans.delete(d.a)) continue;
        this.last_ns = Math.max(this.last_ns, d.t_ns);
        for (const sink of this.sinks) sink.span_end(d);
      } else if (this.cap_ns === null) {
        this.write(d, d.c);
      }
    }
  }
}
