import { IRQ_TLB, IRQ_TLB_QUEUED, IRQ_TLB_SINGLE, TLB_FLUSH_REASONS } from '../hw/tracer.js';
import {
  R_BIO_QUEUE,
  R_FAULT,
  R_IRQ,
  R_RQ_COMPLETE,
  R_RQ_ISSUE,
  R_SHRINK,
  R_TLB_FLUSH,
  R_VMSCAN,
  R_WRITE_FOLIO,
  type TraceRecord,
} from './record_heap.js';
import { CALL_FUNCTION_SINGLE_VECTOR, CALL_FUNCTION_VECTOR, reclaim_flags, rwbs, vmscan_event } from './kernel_formats.js';
import type { TraceContext } from './trace_context.js';
import { cap_note, type TraceSink, type TraceTail } from './trace_sink.js';
import type { TextWriter } from './text_writer.js';

/** The machine is one process of the trace; its threads are the CPUs (tid = CPU number). */
export const MACHINE_PID = 1;
/** The track of the experiment's phases, beside the CPUs. */
export const PHASES_TID = 9999;

/** Microseconds, the format's unit, from integer ns (three decimals keep every ns). */
function us(t_ns: number): string {
  return (t_ns / 1000).toFixed(3);
}

/**
 * Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing open: a track per CPU
 * (pid MACHINE_PID, tid = CPU) holding the task pinned there and the interrupt handlers
 * that preempt it as strictly nested X slices, instants for the tracepoints (names and
 * fields as the kernel's), a track per task for reclaim calls and page faults, counter
 * tracks, and metadata names. Written as the events come; the file is complete only after
 * finish().
 */
export class ChromeTraceSink implements TraceSink {
  private first = true;

  constructor(
    private readonly out: TextWriter,
    private readonly ctx: TraceContext,
  ) {
    out.write('{"displayTimeUnit":"ns","traceEvents":[\n');
    this.metadata();
  }

  record(r: TraceRecord): void {
    const ts = us(r.t_ns);
    const cpu = r.cpu;
    switch (r.kind) {
      case R_TLB_FLUSH:
        this.event(`{"name":"tlb:tlb_flush","cat":"tlb","ph":"i","s":"t","ts":${ts},"pid":${MACHINE_PID},"tid":${cpu},"args":{"pages":${r.b},"reason":${r.a},"reason_name":${JSON.stringify(TLB_FLUSH_REASONS[r.a] ?? 'unknown')}}}`);
        break;
      case R_IRQ:
        this.event(this.irq(r, ts));
        break;
      case R_WRITE_FOLIO:
        this.event(`{"name":"vmscan:mm_vmscan_write_folio","cat":"vmscan","ph":"i","s":"t","ts":${ts},"pid":${MACHINE_PID},"tid":${cpu},"args":{"pfn":${r.a},"reclaim_flags":"${reclaim_flags()}"}}`);
        break;
      case R_VMSCAN: {
        // On the reclaiming task's track, its fields as the kernel prints them.
        const e = vmscan_event(r.a, r.args ?? []);
        const task = this.ctx.cpu_task[cpu];
        this.event(`{"name":"vmscan:${e.name}","cat":"vmscan","ph":"i","s":"t","ts":${ts},"pid":${task?.tgid ?? MACHINE_PID},"tid":${task?.pid ?? cpu},"args":{"cpu":${cpu},"fields":${JSON.stringify(e.fields)}}}`);
        break;
      }
      case R_BIO_QUEUE:
      case R_RQ_ISSUE:
      case R_RQ_COMPLETE:
        this.block(r, ts);
        break;
      case R_SHRINK: {
        const task = this.ctx.cpu_task[cpu];
        this.event(`{"name":"sim:shrink_folio_list","cat":"sim","ph":"X","ts":${ts},"dur":${us(r.a)},"pid":${task?.tgid ?? MACHINE_PID},"tid":${task?.pid ?? cpu},"args":{"cpu":${cpu},"nr_scanned":${r.b},"nr_reclaimed":${r.c},"flush_rounds":${r.d}}}`);
        break;
      }
      case R_FAULT: {
        const task = this.ctx.cpu_task[cpu];
        this.event(`{"name":"sim:page_fault","cat":"sim","ph":"X","ts":${ts},"dur":${us(r.a)},"pid":${task?.tgid ?? MACHINE_PID},"tid":${task?.pid ?? cpu},"args":{"cpu":${cpu},"major":${r.b === 1}}}`);
        break;
      }
      default:
        break;
    }
  }

  span_end(): void {
    // X slices carry their duration.
  }

  counter(name: string, t_ns: number, value: number): void {
    this.event(`{"name":${JSON.stringify(name)},"cat":"counter","ph":"C","ts":${us(t_ns)},"pid":${MACHINE_PID},"args":{"value":${value}}}`);
  }

  finish(tail: TraceTail): void {
    const { result, start_ns, end_ns } = tail;
    // The task pinned on each CPU runs through the traced stretch; its handlers nest inside.
    this.ctx.cpu_task.forEach((task, cpu) => {
      if (task === null || task.runs_throughout === false) return;
      const end = Math.max(end_ns, tail.cpu_busy_end_ns[cpu] as number);
      this.event(`{"name":${JSON.stringify(task.name)},"cat":"sched","ph":"X","ts":${us(start_ns)},"dur":${us(end - start_ns)},"pid":${MACHINE_PID},"tid":${cpu},"args":{"comm":${JSON.stringify(task.comm)},"pid":${task.pid}}}`);
    });
    for (const phase of result.phases) {
      const from = Math.max(phase.start_ns, start_ns);
      const to = Math.min(phase.end_ns, end_ns);
      if (to < from) continue;
      this.event(`{"name":${JSON.stringify(`sim:phase ${phase.name}`)},"cat":"sim","ph":"X","ts":${us(from)},"dur":${us(to - from)},"pid":${MACHINE_PID},"tid":${PHASES_TID},"args":{}}`);
    }
    this.throughput_counters(tail);
    if (tail.cap !== null) {
      this.event(`{"name":"sim:trace_truncated","cat":"sim","ph":"i","s":"g","ts":${us(tail.cap.at_ns)},"pid":${MACHINE_PID},"tid":${PHASES_TID},"args":{"note":${JSON.stringify(cap_note(tail))}}}`);
    }
    const other = {
      reclaimsim: {
        run: this.ctx.title,
        filters: tail.filters,
        events: tail.events,
        truncated: tail.cap === null ? null : cap_note(tail),
        late_events: tail.late,
        delayed_irq_handlers: tail.delayed_irqs,
      },
    };
    this.out.write(`\n],"otherData":${JSON.stringify(other)}}\n`);
    this.out.close();
  }

  /** Each application thread's operations per second, from the run's timeline, as counter tracks. */
  private throughput_counters(tail: TraceTail): void {
    const timeline = tail.result.timeline;
    if (timeline === undefined) return;
    tail.result.tasks.forEach((task, i) => {
      const ops = timeline.ops[i] as number[];
      for (let s = 1; s < timeline.t_ns.length; s++) {
        const t0 = timeline.t_ns[s - 1] as number;
        const t1 = timeline.t_ns[s] as number;
        if (t0 < tail.start_ns || t0 >= tail.end_ns || t1 <= t0) continue;
        const rate = Math.round((((ops[s] as number) - (ops[s - 1] as number)) * 1e9) / (t1 - t0));
        this.counter(`${task.name} ops/s`, t0, rate);
      }
    });
  }

  /** An interrupt handler slice: a function-call vector (one per CAL), a call queued behind one, or a device's. */
  private irq(r: TraceRecord, ts: string): string {
    const at = `"ts":${ts},"dur":${us(r.a)},"pid":${MACHINE_PID},"tid":${r.cpu}`;
    switch (r.b) {
      case IRQ_TLB:
        return `{"name":"irq_vectors:call_function","cat":"irq","ph":"X",${at},"args":{"vector":${CALL_FUNCTION_VECTOR},"handler":"flush_tlb_func"}}`;
      case IRQ_TLB_SINGLE:
        return `{"name":"irq_vectors:call_function_single","cat":"irq","ph":"X",${at},"args":{"vector":${CALL_FUNCTION_SINGLE_VECTOR},"handler":"flush_tlb_func"}}`;
      case IRQ_TLB_QUEUED:
        return `{"name":"sim:queued_call","cat":"irq","ph":"X",${at},"args":{"handler":"flush_tlb_func","note":"queued behind a pending call: runs in the same interrupt, no CAL of its own"}}`;
      default:
        return `{"name":"irq:irq_handler","cat":"irq","ph":"X",${at},"args":{"irq":${this.ctx.device?.irq ?? 0},"name":${JSON.stringify(this.ctx.device?.irq_name ?? '')}}}`;
    }
  }

  private block(r: TraceRecord, ts: string): void {
    const dev = this.ctx.device;
    const name = r.kind === R_BIO_QUEUE ? 'block:block_bio_queue' : r.kind === R_RQ_ISSUE ? 'block:block_rq_issue' : 'block:block_rq_complete';
    const comm = this.ctx.cpu_task[r.cpu]?.comm ?? '<idle>';
    const extra = r.kind === R_RQ_COMPLETE ? `"error":0` : `"comm":${JSON.stringify(comm)}`;
    this.event(
      `{"name":"${name}","cat":"block","ph":"i","s":"t","ts":${ts},"pid":${MACHINE_PID},"tid":${r.cpu},"args":{"dev":"${dev?.major ?? 0},${dev?.minor ?? 0}","rwbs":"${rwbs(r.c === 1)}","sector":${r.a},"nr_sector":${r.b},${extra}}}`,
    );
  }

  private metadata(): void {
    const meta = (pid: number, tid: number | null, name: string, args: string) =>
      this.event(`{"name":"${name}","ph":"M","pid":${pid}${tid === null ? '' : `,"tid":${tid}`},"args":${args}}`);
    meta(MACHINE_PID, null, 'process_name', `{"name":${JSON.stringify(`machine: ${this.ctx.title}`)}}`);
    meta(MACHINE_PID, null, 'process_sort_index', '{"sort_index":0}');
    meta(MACHINE_PID, PHASES_TID, 'thread_name', '{"name":"experiment phases"}');
    meta(MACHINE_PID, PHASES_TID, 'thread_sort_index', '{"sort_index":-1}');
    for (let cpu = 0; cpu < this.ctx.nr_cpus; cpu++) {
      meta(MACHINE_PID, cpu, 'thread_name', `{"name":"CPU ${cpu}"}`);
      meta(MACHINE_PID, cpu, 'thread_sort_index', `{"sort_index":${cpu}}`);
    }
    // A process is named after its first task's comm, as `ps` would show it.
    const processes = new Map<number, string>();
    for (const task of this.ctx.tasks) if (!processes.has(task.tgid)) processes.set(task.tgid, task.comm);
    for (const [tgid, comm] of processes) meta(tgid, null, 'process_name', `{"name":${JSON.stringify(`${comm} ${tgid}`)}}`);
    for (const task of this.ctx.tasks) meta(task.tgid, task.pid, 'thread_name', `{"name":${JSON.stringify(`${task.name} (${task.comm}-${task.pid})`)}}`);
  }

  private event(json: string): void {
    this.out.write(this.first ? json : `,\n${json}`);
    this.first = false;
  }
}
