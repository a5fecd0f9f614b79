import type { Tracer } from '../hw/tracer.js';

/** What the report charts from a run's events, in bounded memory. */
export interface ReportData {
  calls: {
    count: number;
    flush_rounds: number;
    flush_rounds_max: number;
    nr_scanned: number;
    nr_reclaimed: number;
    /** Every call's flush rounds: calls by their number of rounds (exact, not thinned). */
    rounds: Map<number, number>;
  };
  /** Requests the device received (block:block_rq_issue), by size in 512-byte sectors. */
  request_sectors: { write: Map<number, number>; read: Map<number, number> };
  /** Bios queued (block:block_bio_queue), by size in sectors. */
  bio_sectors: Map<number, number>;
  /** Page faults by latency: power-of-two ns buckets (bucket b holds [2^b, 2^(b+1)) ns). */
  faults: { reported: boolean; major: Map<number, number>; minor: Map<number, number> };
}

function bump(map: Map<number, number>, key: number, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/**
 * The tracer behind a report's event charts: flush rounds per reclaim call, request and bio
 * sizes, fault latencies. It keeps histograms only, so a run of any length costs it a few
 * kilobytes.
 */
export class ReportCollector implements Tracer {
  readonly data: ReportData = {
    calls: { count: 0, flush_rounds: 0, flush_rounds_max: 0, nr_scanned: 0, nr_reclaimed: 0, rounds: new Map() },
    request_sectors: { write: new Map(), read: new Map() },
    bio_sectors: new Map(),
    faults: { reported: false, major: new Map(), minor: new Map() },
  };

  tlb_flush(): void {}

  irq(): void {}

  write_folio(): void {}

  bio_queue(_cpu: number, _t_ns: number, _sector: number, nr_sector: number): void {
    bump(this.data.bio_sectors, nr_sector);
  }

  rq_issue(_cpu: number, _t_ns: number, _sector: number, nr_sector: number, write: boolean): void {
    bump(write ? this.data.request_sectors.write : this.data.request_sectors.read, nr_sector);
  }

  rq_complete(): void {}

  page_fault(_cpu: number, _start_ns: number, duration_ns: number, major: boolean): void {
    this.data.faults.reported = true;
    bump(major ? this.data.faults.major : this.data.faults.minor, duration_ns < 1 ? 0 : Math.floor(Math.log2(duration_ns)));
  }

  shrink_folio_list(_cpu: number, _start_ns: number, _end_ns: number, nr_scanned: number, nr_reclaimed: number, flush_rounds: number): void {
    const calls = this.data.calls;
    calls.count++;
    calls.flush_rounds += flush_rounds;
    calls.flush_rounds_max = Math.max(calls.flush_rounds_max, flush_rounds);
    calls.nr_scanned += nr_scanned;
    calls.nr_reclaimed += nr_reclaimed;
    bump(calls.rounds, flush_rounds);
  }
}
