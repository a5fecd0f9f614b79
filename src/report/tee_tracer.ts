import type { Tracer } from '../hw/tracer.js';

/** One tracer that hands every event to several (a trace file, a report, a progress bar). */
export class TeeTracer implements Tracer {
  constructor(private readonly tracers: readonly Tracer[]) {}

  tlb_flush(cpu: number, t_ns: number, reason: number, pages: number): void {
    for (const t of this.tracers) t.tlb_flush(cpu, t_ns, reason, pages);
  }

  irq(cpu: number, start_ns: number, duration_ns: number, kind: number): void {
    for (const t of this.tracers) t.irq(cpu, start_ns, duration_ns, kind);
  }

  write_folio(cpu: number, t_ns: number, pfn: number, sync: boolean): void {
    for (const t of this.tracers) t.write_folio(cpu, t_ns, pfn, sync);
  }

  bio_queue(cpu: number, t_ns: number, sector: number, nr_sector: number, write: boolean): void {
    for (const t of this.tracers) t.bio_queue(cpu, t_ns, sector, nr_sector, write);
  }

  rq_issue(cpu: number, t_ns: number, sector: number, nr_sector: number, write: boolean): void {
    for (const t of this.tracers) t.rq_issue(cpu, t_ns, sector, nr_sector, write);
  }

  rq_complete(cpu: number, t_ns: number, sector: number, nr_sector: number, write: boolean): void {
    for (const t of this.tracers) t.rq_complete(cpu, t_ns, sector, nr_sector, write);
  }

  page_fault(cpu: number, start_ns: number, duration_ns: number, major: boolean): void {
    for (const t of this.tracers) t.page_fault?.(cpu, start_ns, duration_ns, major);
  }

  vmscan(cpu: number, t_ns: number, event: number, args: readonly number[]): void {
    for (const t of this.tracers) t.vmscan?.(cpu, t_ns, event, args);
  }

  shrink_folio_list(cpu: number, start_ns: number, end_ns: number, nr_scanned: number, nr_reclaimed: number, flush_rounds: number): void {
    for (const t of this.tracers) t.shrink_folio_list(cpu, start_ns, end_ns, nr_scanned, nr_reclaimed, flush_rounds);
  }
}
