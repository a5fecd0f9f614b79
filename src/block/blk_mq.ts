import { assert } from '../engine/assert.js';
import { Priority, Yield, type Simulator, type Task } from '../engine/simulator.js';
import type { Machine } from '../hw/machine.js';
import { IRQ_IO } from '../hw/tracer.js';
import { NIL } from '../mm/folio.js';
import type { SwapDeviceParams } from './device.js';

const PAGE_SIZE = 4096;
/** 512-byte sectors per page: swap slot n starts at sector 8n. */
const SECTORS_PER_PAGE = 8;
/** BLK_MAX_REQUEST_COUNT: requests a plug holds before it is flushed (kernel-spec F5). */
export const BLK_MAX_REQUEST_COUNT = 32;
/** BLK_PLUG_FLUSH_SIZE: a plug whose first request reached this size is flushed on the next add. */
export const BLK_PLUG_FLUSH_SIZE = 128 * 1024;

/** What the device does with a finished request's pages (set by the swap layer above). */
export interface CompletionHandler {
  /** end_swap_bio_write / end_swap_bio_read for one bio: the page at `slot`, on `cpu`. */
  end_bio(write: boolean, slot: number, cpu: number): void;
}

/**
 * struct blk_plug of one task: requests held back from the device so that adjacent bios
 * merge (blk_attempt_plug_merge into the last request) and are dispatched together.
 */
export class BlkPlug {
  readonly tags: number[] = [];
}

/**
 * An asynchronous block device with blk-mq: a tag per request in flight, one request per bio
 * unless it merges with the plug's last request (contiguous slots, within max_sectors_kb and
 * max_segments), a bandwidth pipe plus latency, and a completion interrupt on the CPU that
 * dispatched the request.
 */
export class BlockDevice {
  private readonly rq_first_slot: Int32Array;
  private readonly rq_nr_pages: Int32Array;
  private readonly rq_write: Uint8Array;
  private readonly rq_cpu: Int32Array;
  private readonly free_tags: number[] = [];
  private readonly tag_waiters: Task[] = [];
  private readonly complete_kind: number;
  private pipe_free_ns = 0;
  private readonly max_pages_per_rq: number;
  nr_in_flight = 0;
  /** Requests and bios dispatched, and pages per request, for the result. */
  readonly stats = { requests: 0, bios: 0, pages_per_request_max: 0 };

  constructor(
    private readonly sim: Simulator,
    private readonly machine: Machine,
    readonly params: SwapDeviceParams,
    private readonly completion: CompletionHandler,
  ) {
    assert(params.queue_depth >= 1, 'a block device needs at least one tag');
    this.rq_first_slot = new Int32Array(params.queue_depth);
    this.rq_nr_pages = new Int32Array(params.queue_depth);
    this.rq_write = new Uint8Array(params.queue_depth);
    this.rq_cpu = new Int32Array(params.queue_depth);
    for (let tag = params.queue_depth - 1; tag >= 0; tag--) this.free_tags.push(tag);
    this.max_pages_per_rq = Math.max(1, Math.min((params.max_sectors_kb * 1024) / PAGE_SIZE, params.max_segments));
    this.complete_kind = sim.register((tag) => this.complete(tag));
  }

  /**
   * submit_bio of a bio of `nr_pages` pages from swap slot `slot` (a folio: one page, or a
   * large folio's contiguous run) from a task on `cpu` (blk_mq_submit_bio), when it needs no
   * wait. A bio larger than a request may be is split first (bio_split_to_limits); each part
   * merges into the plug's last request if possible, else takes a free tag and joins the plug
   * (flushing it first when full or its first request is large), or is dispatched at once
   * without a plug. False, having queued nothing, when the tags are too few: the caller then
   * sleeps in submit_bio.
   */
  try_submit_bio(t_ns: number, cpu: number, plug: BlkPlug | null, slot: number, write: boolean, nr_pages = 1): boolean {
    if (nr_pages > 1) return this.try_submit_large_bio(t_ns, cpu, plug, slot, write, nr_pages);
    if (plug !== null && this.can_merge(plug, slot, write, 1)) {
      this.machine.tracer?.bio_queue(cpu, t_ns, slot * SECTORS_PER_PAGE, SECTORS_PER_PAGE, write);
      const last = plug.tags[plug.tags.length - 1] as number;
      this.rq_nr_pages[last] = (this.rq_nr_pages[last] as number) + 1;
      this.stats.bios++;
      return true;
    }
    if (this.free_tags.length === 0) return false;
    this.machine.tracer?.bio_queue(cpu, t_ns, slot * SECTORS_PER_PAGE, SECTORS_PER_PAGE, write);
    this.stats.bios++;
    this.queue_request(t_ns, cpu, plug, slot, 1, write);
    return true;
  }

  /** try_submit_bio of a multi-page bio (a large folio), split to the request size. */
  private try_submit_large_bio(t_ns: number, cpu: number, plug: BlkPlug | null, slot: number, write: boolean, nr_pages: number): boolean {
    const max = this.max_pages_per_rq;
    const merges = plug !== null && this.can_merge(plug, slot, write, Math.min(nr_pages, max));
    if (this.free_tags.length < Math.ceil(nr_pages / max) - (merges ? 1 : 0)) return false;
    this.machine.tracer?.bio_queue(cpu, t_ns, slot * SECTORS_PER_PAGE, nr_pages * SECTORS_PER_PAGE, write);
    this.stats.bios++;
    for (let done = 0; done < nr_pages; ) {
      const part = Math.min(nr_pages - done, max);
      if (done === 0 && merges) {
        const last = (plug).tags[(plug).tags.length - 1] as number;
        this.rq_nr_pages[last] = (this.rq_nr_pages[last] as number) + part;
      } else {
        this.queue_request(t_ns, cpu, plug, slot + done, part, write);
      }
      done += part;
    }
    return true;
  }

  /** blk_attempt_plug_merge: the plug's last request ends where the bio starts and has room for it. */
  private can_merge(plug: BlkPlug, slot: number, write: boolean, nr_pages: number): boolean {
    if (plug.tags.length === 0) return false;
    const last = plug.tags[plug.tags.length - 1] as number;
    return (
      this.rq_write[last] === (write ? 1 : 0) &&
      (this.rq_first_slot[last] as number) + (this.rq_nr_pages[last] as number) === slot &&
      (this.rq_nr_pages[last] as number) + nr_pages <= this.max_pages_per_rq
    );
  }

  /** A new request on a free tag, added to the plug or dispatched at once. */
  private queue_request(t_ns: number, cpu: number, plug: BlkPlug | null, slot: number, nr_pages: number, write: boolean): void {
    const tag = this.free_tags.pop() as number;
    this.rq_first_slot[tag] = slot;
    this.rq_nr_pages[tag] = nr_pages;
    this.rq_write[tag] = write ? 1 : 0;
    this.rq_cpu[tag] = cpu;
    this.nr_in_flight++;
    if (plug === null) {
      this.dispatch(tag, t_ns);
      return;
    }
    // blk_add_rq_to_plug
    if (plug.tags.length > 0) {
      const first = plug.tags[0] as number;
      if (plug.tags.length >= BLK_MAX_REQUEST_COUNT || (this.rq_nr_pages[first] as number) * PAGE_SIZE >= BLK_PLUG_FLUSH_SIZE) {
        this.flush_plug(plug, cpu, t_ns);
      }
    }
    plug.tags.push(tag);
  }

  /**
   * submit_bio, waiting for tags when too few are free: blk_mq_get_tag sleeps in io_schedule,
   * which flushes the task's plug first.
   */
  *submit_bio(task: Task, cpu: number, plug: BlkPlug | null, slot: number, write: boolean, nr_pages = 1): Generator<Yield, void, void> {
    while (!this.try_submit_bio(task.now_ns, cpu, plug, slot, write, nr_pages)) {
      if (plug !== null) this.flush_plug(plug, cpu, task.now_ns);
      this.tag_waiters.push(task);
      yield Yield.sleep;
    }
  }

  /** blk_mq_flush_plug_list: dispatch every plugged request in order. */
  flush_plug(plug: BlkPlug, cpu: number, t_ns: number): void {
    for (const tag of plug.tags) {
      this.rq_cpu[tag] = cpu;
      this.dispatch(tag, t_ns);
    }
    plug.tags.length = 0;
  }

  private dispatch(tag: number, t_ns: number): void {
    const nr_pages = this.rq_nr_pages[tag] as number;
    const transfer_ns = Math.round((nr_pages * PAGE_SIZE * 1000) / this.params.bandwidth_mb_s);
    const start_ns = Math.max(t_ns, this.pipe_free_ns);
    this.pipe_free_ns = start_ns + transfer_ns;
    this.stats.requests++;
    this.machine.tracer?.rq_issue(this.rq_cpu[tag] as number, t_ns, (this.rq_first_slot[tag] as number) * SECTORS_PER_PAGE, nr_pages * SECTORS_PER_PAGE, this.rq_write[tag] === 1);
    if (nr_pages > this.stats.pages_per_request_max) this.stats.pages_per_request_max = nr_pages;
    this.sim.schedule(this.pipe_free_ns + this.params.latency_ns, Priority.interrupt, this.complete_kind, tag);
  }

  /** The completion interrupt: end every bio of the request, free the tag, wake a waiter. */
  private complete(tag: number): void {
    const cpu = this.rq_cpu[tag] as number;
    const first = this.rq_first_slot[tag] as number;
    const nr_pages = this.rq_nr_pages[tag] as number;
    const write = this.rq_write[tag] === 1;
    const cost = this.machine.cost;
    this.machine.interrupt(cpu, cost.io_irq_ns + nr_pages * cost.end_writeback_ns, -1, this.sim.now_ns, IRQ_IO);
    this.machine.tracer?.rq_complete(cpu, this.sim.now_ns, first * SECTORS_PER_PAGE, nr_pages * SECTORS_PER_PAGE, write);
    for (let slot = first; slot < first + nr_pages; slot++) this.completion.end_bio(write, slot, cpu);
    this.rq_first_slot[tag] = NIL;
    this.free_tags.push(tag);
    this.nr_in_flight--;
    const waiter = this.tag_waiters.shift();
    if (waiter !== undefined) this.sim.wake(waiter, this.sim.now_ns);
  }
}
