/**
 * The flusher: the file disk's bdi writeback work (fs/fs-writeback.c wb_workfn, 6.12), a
 * kworker of the unbound bdi_wq. Woken by the periodic timer (dirty_writeback_centisecs,
 * armed when a clean file becomes dirty: wb_wakeup_delayed) and by a dirtying task past the
 * background threshold (wb_start_background_writeback); it then writes the files' dirty
 * folios in index order (page_writeback.ts writeback_file): those of files dirty for longer
 * than dirty_expire_centisecs (the kupdate flush, wb_check_old_data_flush), and any while
 * dirty pages are above the background threshold (wb_check_background_flush).
 */
import { assert } from '../engine/assert.js';
import { Priority, Yield, type Task, type TaskBody } from '../engine/simulator.js';
import type { FileMapping, InodeWriteback } from '../mm/file_mapping.js';
import { must_sync, ReclaimTask, type Kernel } from './kernel.js';
import { domain_dirty_limits, note_dirty_limits, writeback_file, type DirtyLimits, type WritebackParams } from './page_writeback.js';

const NS_PER_CENTISEC = 10_000_000;
/** MIN_WRITEBACK_PAGES: 4 MiB, the least a writeback chunk writes. */
const MIN_WRITEBACK_PAGES = 1024;
/** INIT_BW / 2: half the initial write bandwidth estimate (100 MB/s) in pages, writeback_chunk_size's cap. */
const INIT_BW_HALF_PAGES = 12_800;
/** DIRTY_SCOPE: writeback_chunk_size takes at most an eighth of the dirty limit. */
const DIRTY_SCOPE = 8;
/** A bound on the flusher's wake/write/sleep rounds and on the chunks of one run. */
const FLUSHER_ROUNDS_MAX = 10_000_000;

/** The flusher of the run's file disk (one bdi_writeback). */
export class Flusher implements InodeWriteback {
  private task: Task | null = null;
  /** writeback_in_progress: the work is queued or running. */
  private running = false;
  /** A background writeback was asked for while the work ran. */
  private background_requested = false;
  private timer_armed = false;
  /** wb->last_old_flush: the last kupdate flush (the bdi's creation at first). */
  private last_old_flush_ns = 0;
  private readonly timer_kind: number;

  constructor(
    private readonly k: Kernel,
    readonly cpu: number,
    readonly params: WritebackParams,
    private readonly files: readonly FileMapping[],
  ) {
    // The periodic wakeup is a daemon timer: it does not keep the run alive.
    this.timer_kind = k.sim.register(() => this.timer(), false, true);
  }

  /** The global dirty thresholds now. */
  limits(): DirtyLimits {
    return domain_dirty_limits(this.k, this.params);
  }

  /** __mark_inode_dirty of a clean file: dirtied_when is now, and the periodic writeback is armed. */
  inode_dirtied(file: FileMapping): void {
    file.dirtied_when_ns = this.k.sim.now_ns;
    this.wb_wakeup_delayed(this.k.sim.now_ns);
  }

  /** writeback_in_progress */
  in_progress(): boolean {
    return this.running;
  }

  /** wb_wakeup_delayed: the work runs dirty_writeback_centisecs from now, unless it is pending or the period is 0. */
  private wb_wakeup_delayed(t_ns: number): void {
    if (this.params.dirty_writeback_centisecs === 0 || this.timer_armed || this.running) return;
    this.timer_armed = true;
    this.k.sim.schedule(t_ns + this.params.dirty_writeback_centisecs * NS_PER_CENTISEC, Priority.default, this.timer_kind, 0);
  }

  private timer(): void {
    this.timer_armed = false;
    if (!this.running) this.wake(this.k.sim.now_ns);
  }

  /** wb_start_background_writeback from a task on `cpu` at `t_ns`: wake the work unless it runs. */
  wb_start_background_writeback(t_ns: number): void {
    this.background_requested = true;
    if (!this.running) this.wake(t_ns + this.k.machine.cost.flusher_wakeup_ns);
  }

  private wake(at_ns: number): void {
    this.running = true;
    if (this.task === null) {
      this.task = this.k.sim.spawn('kworker/u:flush', at_ns, (task) => this.wb_workfn(new ReclaimTask(task, this.cpu)));
      return;
    }
    this.k.sim.wake(this.task, at_ns);
  }

  /** wb_workfn: wb_do_writeback until no work is left, then sleep with the periodic wakeup armed while dirty files remain. */
  private *wb_workfn(rt: ReclaimTask): TaskBody {
    for (let round = 0; ; round++) {
      assert(round < FLUSHER_ROUNDS_MAX, 'the flusher never sleeps');
      this.background_requested = false;
      yield* this.wb_check_old_data_flush(rt);
      yield* this.wb_check_background_flush(rt);
      if (must_sync(this.k, rt)) yield Yield.resume;
      if (this.background_requested) continue;
      this.running = false;
      if (this.files.some((file) => file.nr_dirty > 0)) this.wb_wakeup_delayed(rt.task.now_ns);
      yield Yield.sleep;
    }
  }

  /**
   * wb_check_old_data_flush (kupdate): once per dirty_writeback_centisecs, write the files
   * dirty for longer than dirty_expire_centisecs, all their dirty pages, at most the number
   * dirty when it began (get_nr_dirty_pages).
   */
  private *wb_check_old_data_flush(rt: ReclaimTask): Generator<Yield, void, void> {
    const period_ns = this.params.dirty_writeback_centisecs * NS_PER_CENTISEC;
    if (period_ns === 0 || rt.task.now_ns < this.last_old_flush_ns + period_ns) return;
    this.last_old_flush_ns = rt.task.now_ns;
    let nr_pages = this.k.pgdat.vm.nr_dirty;
    for (let chunk = 0; nr_pages > 0; chunk++) {
      assert(chunk < FLUSHER_ROUNDS_MAX, 'kupdate writeback never ends');
      const expired = rt.task.now_ns - this.params.dirty_expire_centisecs * NS_PER_CENTISEC;
      const file = this.oldest_dirty(expired);
      if (file === null) return;
      const written = yield* this.writeback_inode(rt, file, Math.min(nr_pages, this.writeback_chunk_size()));
      nr_pages -= written;
      if (written === 0) return;
    }
  }

  /** wb_check_background_flush: while dirty pages are above the background threshold, write chunks of the dirty files in turn. */
  private *wb_check_background_flush(rt: ReclaimTask): Generator<Yield, void, void> {
    for (let chunk = 0; ; chunk++) {
      assert(chunk < FLUSHER_ROUNDS_MAX, 'background writeback never ends');
      if (must_sync(this.k, rt)) yield Yield.resume;
      const limits = this.limits();
      if (this.k.pgdat.vm.nr_dirty <= limits.bg_thresh) return;
      note_dirty_limits(this.k, limits);
      const file = this.oldest_dirty(Infinity);
      if (file === null) return;
      if ((yield* this.writeback_inode(rt, file, this.writeback_chunk_size())) === 0) return;
    }
  }

  /** The dirty file first on b_dirty (dirtied longest ago, then by creation) whose dirtied_when is at or before `before_ns`. */
  private oldest_dirty(before_ns: number): FileMapping | null {
    let oldest: FileMapping | null = null;
    for (const file of this.files) {
      if (file.nr_dirty === 0 || file.dirtied_when_ns > before_ns) continue;
      if (oldest === null || file.dirtied_when_ns < oldest.dirtied_when_ns) oldest = file;
    }
    return oldest;
  }

  /**
   * __writeback_single_inode's do_writepages, then requeue_inode: a file still dirty after a
   * chunk that did not use up its pages was redirtied meanwhile (redirty_tail: dirtied now);
   * one whose chunk ran out keeps its age (requeue_io).
   */
  private *writeback_inode(rt: ReclaimTask, file: FileMapping, nr_to_write: number): Generator<Yield, number, void> {
    const written = yield* writeback_file(this.k, rt, file, nr_to_write);
    this.k.pgdat.vm.sim_flusher_written += written;
    if (file.nr_dirty > 0 && written < nr_to_write) file.dirtied_when_ns = rt.task.now_ns;
    return written;
  }

  /**
   * writeback_chunk_size for background and kupdate work: min(half the write bandwidth
   * estimate — its initial 100 MB/s, the estimate is not modelled —, an eighth of the dirty
   * limit), plus MIN_WRITEBACK_PAGES, rounded down to a multiple of it.
   */
  private writeback_chunk_size(): number {
    const pages = Math.min(INIT_BW_HALF_PAGES, Math.floor(this.limits().thresh / DIRTY_SCOPE));
    return Math.floor((pages + MIN_WRITEBACK_PAGES) / MIN_WRITEBACK_PAGES) * MIN_WRITEBACK_PAGES;
  }
}
