import { IRQ_IO, IRQ_TLB, IRQ_TLB_SINGLE, TLB_REMOTE_SHOOTDOWN } from '../hw/tracer.js';
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
import {
  bio_fields,
  CALL_FUNCTION_SINGLE_VECTOR,
  CALL_FUNCTION_VECTOR,
  irq_entry_fields,
  irq_exit_fields,
  rq_complete_fields,
  rq_issue_fields,
  tlb_flush_fields,
  vector_fields,
  vmscan_event,
  write_folio_fields,
} from './kernel_formats.js';
import { IDLE_TASK, type TraceContext } from './trace_context.js';
import { cap_note, type TraceSink, type TraceTail } from './trace_sink.js';
import type { TextWriter } from './text_writer.js';

/** Latency-format flags (irqs-off, need-resched, hardirq/softirq, preempt depth, migrate-disable). */
const IN_TASK = '.....';
const IN_HARDIRQ = 'd.h..';

/**
 * The events as the kernel's trace file and `trace-cmd report` print them:
 * `<comm>-<pid> [<cpu>] <flags> <sec>.<usec>: <event>: <fields>` with each tracepoint's own
 * format string (kernel_formats.ts), so trace-vmscan-postprocess.pl, mmtests' watch-tlb.pl
 * and people's greps read them. Interrupt handlers appear as their entry/exit tracepoints
 * (irq_vectors:call_function_*, irq:irq_handler_*); simulator-only events carry a `sim_`
 * prefix. Lines come in time order; comments start with '#'.
 */
export class FtraceTextSink implements TraceSink {
  constructor(
    private readonly out: TextWriter,
    private readonly ctx: TraceContext,
  ) {
    out.write(
      '# tracer: nop\n#\n' +
        `# reclaimsim: ${one_line(ctx.title)}, simulated (not a kernel recording); ${ctx.nr_cpus} CPUs\n` +
        '#\n#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n#              | |         |   |||||     |         |\n',
    );
  }

  record(r: TraceRecord): void {
    const dev = this.ctx.device;
    const major = dev?.major ?? 0;
    const minor = dev?.minor ?? 0;
    switch (r.kind) {
      case R_TLB_FLUSH:
        this.line(r, r.a === TLB_REMOTE_SHOOTDOWN ? IN_HARDIRQ : IN_TASK, 'tlb_flush', tlb_flush_fields(r.a, r.b));
        break;
      case R_IRQ:
        if (r.b === IRQ_TLB) this.line(r, IN_HARDIRQ, 'call_function_entry', vector_fields(CALL_FUNCTION_VECTOR));
        else if (r.b === IRQ_TLB_SINGLE) this.line(r, IN_HARDIRQ, 'call_function_single_entry', vector_fields(CALL_FUNCTION_SINGLE_VECTOR));
        else if (r.b === IRQ_IO) this.line(r, IN_HARDIRQ, 'irq_handler_entry', irq_entry_fields(dev?.irq ?? 0, dev?.irq_name ?? 'unknown'));
        break;
      case R_WRITE_FOLIO:
        this.line(r, IN_TASK, 'mm_vmscan_write_folio', write_folio_fields(r.a));
        break;
      case R_VMSCAN: {
        const e = vmscan_event(r.a, r.args ?? []);
        this.line(r, IN_TASK, e.name, e.fields);
        break;
      }
      case R_BIO_QUEUE:
        this.line(r, IN_TASK, 'block_bio_queue', bio_fields(major, minor, r.c === 1, r.a, r.b, this.task(r.cpu).comm));
        break;
      case R_RQ_ISSUE:
        this.line(r, IN_TASK, 'block_rq_issue', rq_issue_fields(major, minor, r.c === 1, r.a, r.b, this.task(r.cpu).comm));
        break;
      case R_RQ_COMPLETE:
        this.line(r, IN_HARDIRQ, 'block_rq_complete', rq_complete_fields(major, minor, r.c === 1, r.a, r.b));
        break;
      case R_SHRINK:
        this.line(r, IN_TASK, 'sim_shrink_folio_list', `nr_scanned=${r.b} nr_reclaimed=${r.c} flush_rounds=${r.d} duration_ns=${r.a}`);
        break;
      case R_FAULT:
        this.line(r, IN_TASK, 'sim_page_fault', `major=${r.b} duration_ns=${r.a}`);
        break;
      default:
        break;
    }
  }

  span_end(r: TraceRecord): void {
    if (r.b !== R_IRQ) return;
    // A queued call (IRQ_TLB_QUEUED) ran inside an earlier interrupt: no exit of its own.
    if (r.c === IRQ_TLB) this.line(r, IN_HARDIRQ, 'call_function_exit', vector_fields(CALL_FUNCTION_VECTOR));
    else if (r.c === IRQ_TLB_SINGLE) this.line(r, IN_HARDIRQ, 'call_function_single_exit', vector_fields(CALL_FUNCTION_SINGLE_VECTOR));
    else if (r.c === IRQ_IO) this.line(r, IN_HARDIRQ, 'irq_handler_exit', irq_exit_fields(this.ctx.device?.irq ?? 0));
  }

  counter(): void {
    // Counters have no tracepoint: /proc/vmstat gives them (the result's vmstat).
  }

  finish(tail: TraceTail): void {
    this.out.write(`# reclaimsim: ${tail.events} events; filters: ${tail.filters}\n`);
    if (tail.cap !== null) this.out.write(`# reclaimsim: ${cap_note(tail)}\n`);
    if (tail.late > 0) this.out.write(`# reclaimsim: ${tail.late} events arrived too late for their place and are out of order\n`);
    this.out.close();
  }

  private task(cpu: number) {
    return this.ctx.cpu_task[cpu] ?? IDLE_TASK;
  }

  private line(r: TraceRecord, flags: string, event: string, fields: string): void {
    const task = this.task(r.cpu);
    const t = Math.max(0, Math.floor(r.t_ns));
    const sec = String(Math.floor(t / 1e9)).padStart(5);
    const usec = String(Math.floor((t % 1e9) / 1000)).padStart(6, '0');
    this.out.write(`${task.comm.padStart(16)}-${String(task.pid).padEnd(7)} [${String(r.cpu).padStart(3, '0')}] ${flags} ${sec}.${usec}: ${event}: ${fields}\n`);
  }
}

/** Text for a '#' comment line: no line breaks. */
function one_line(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
