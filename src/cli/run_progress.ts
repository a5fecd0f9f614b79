import type { Tracer } from '../hw/tracer.js';
import { stress_params, workload_kind, type Scenario } from '../scenario/schema.js';

/** Shown only once a run has taken this long (a quick run stays silent). */
const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 100;
/** The wall clock is read once per this many events: cheap beside the model's own work. */
const EVENTS_PER_CHECK = 2048;
const BAR_WIDTH = 24;
const PAGE_SIZE = 4096;

/**
 * A one-line progress bar on stderr for a run that takes more than about a second. The model
 * runs synchronously and offers no progress callback, so this is a tracer: it counts the
 * folios reclaim has written (vmscan:mm_vmscan_write_folio) and reads the wall clock every
 * few thousand events. A MADV_PAGEOUT run measures the writes against the pages it pages
 * out; a stress run (which ignores pageout.size) measures simulated time against
 * stress.duration, or, bounded by passes only, shows what it wrote without a bar. The wall
 * clock measures the user's wait only; it never reaches a result.
 */
export class RunProgress implements Tracer {
  private readonly started = performance.now();
  /** What the bar measures against: pages to write, simulated ns to run, or nothing known. */
  private readonly total: { pages: number } | { ns: number } | null;
  private written = 0;
  private events = 0;
  private sim_ns = 0;
  private drawn_at = -Infinity;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    scenario: Scenario,
    /** Which run this is, e.g. "run 2/6: batched, seed 1". */
    private readonly label: string,
  ) {
    if (workload_kind(scenario) === 'stress') {
      const duration_ns = stress_params(scenario).duration_ns;
      this.total = Number.isFinite(duration_ns) ? { ns: duration_ns } : null;
    } else {
      this.total = { pages: (scenario.pageout.size / PAGE_SIZE) * (scenario.pageout.mode === 'clean' ? 2 : 1) };
    }
  }

  tlb_flush(_cpu: number, t_ns: number): void {
    this.tick(t_ns);
  }

  irq(_cpu: number, start_ns: number): void {
    this.tick(start_ns);
  }

  write_folio(_cpu: number, t_ns: number): void {
    this.written++;
    this.tick(t_ns);
  }

  bio_queue(_cpu: number, t_ns: number): void {
    this.tick(t_ns);
  }

  rq_issue(_cpu: number, t_ns: number): void {
    this.tick(t_ns);
  }

  rq_complete(_cpu: number, t_ns: number): void {
    this.tick(t_ns);
  }

  shrink_folio_list(_cpu: number, _start_ns: number, end_ns: number): void {
    this.tick(end_ns);
  }

  /** Erases the bar, if one was drawn. */
  end(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  private tick(t_ns: number): void {
    if (t_ns > this.sim_ns) this.sim_ns = t_ns;
    if (++this.events % EVENTS_PER_CHECK !== 0) return;
    const now = performance.now();
    if (now - this.started < SHOW_AFTER_MS || now - this.drawn_at < REDRAW_MS) return;
    this.drawn_at = now;
    const mib = (pages: number) => ((pages * PAGE_SIZE) / 2 ** 20).toFixed(0);
    const t = this.total;
    const done = t === null ? null : 'pages' in t ? (t.pages === 0 ? 0 : this.written / t.pages) : this.sim_ns / t.ns;
    const filled = done === null ? 0 : Math.round(Math.min(1, done) * BAR_WIDTH);
    const bar = done === null ? '' : `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] `;
    const written = t !== null && 'pages' in t ? `${mib(this.written)} of ${mib(t.pages)} MiB written` : `${mib(this.written)} MiB written to swap`;
    const simulated = t !== null && 'ns' in t ? `${(this.sim_ns / 1e6).toFixed(1)} of ${(t.ns / 1e6).toFixed(0)} ms simulated` : `${(this.sim_ns / 1e6).toFixed(1)} ms simulated`;
    this.stream.write(`\r\x1b[K${bar}${this.label}: ${written}, ${simulated}, ${((now - this.started) / 1000).toFixed(0)} s`);
    this.drawn = true;
  }
}
