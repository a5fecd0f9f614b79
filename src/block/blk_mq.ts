import { assert } from '../engine/assert.js';
import { Priority, Yield, type Simulator, type Task } from '../engine/simulator.js';
import type { Machine } from '../hw/machine.js';
import { IRQ_IO } from '../hw/tracer.js';
import { NIL } from '../mm/folio.js';
import type { SwapDeviceParams } from './device.js';

const PAGE_SIZE = 4096;
/** 512-byte sectors per page: page-sized block n (a swap slot, a file block) starts at sector 8n. */
const SECTORS_PER_PAGE = 8;
/** BLK_MAX_REQUEST_COUNT: requests a plug holds before it is flushed (kernel-spec F5). */
export const BLK_MAX_REQUEST_COUNT = 32;
/** BLK_PLUG_FLUSH_SIZE: a plug whose first request reached this size is flushed on the next add. */
export const BLK_PLUG_FLUSH_SIZE = 128 * 1024;

/**
 * A bio's bi_end_io: what the layer above does with a finished request's pages. A device
 * has one handler per completion kind (BIO_SWAP, BIO_FILE), so swap and file I/O share it.
 */
export interface CompletionHandler {
  /** bi_end_io for one page of a bio (end_swap_bio_write, mpage_end_io, …): the page at `block`, on `cpu`. */
  end_bio(write: boolean, block: number, cpu: number): void;
}

/** Completion kinds of a bio: swap I/O (end_swap_bio_*) and page-cache I/O of a file. */
export const BIO_SWAP = 0;
export const BIO_FILE = 1;

/**
 * struct blk_plug of one task: requests held back from their devices so that adjacent bios
 * merge (blk_attempt_plug_merge into the last request, if it is for the same queue) and are
 * dispatched together. One list for every device, in submission order (plug->mq_list).
 */
export class BlkPlug {
  readonly tags: number[] = [];
  /** The device of each plugged request. */
  readonly devices: BlockDevice[] = [];
}

/** blk_finish_plug / blk_mq_flush_plug_list: dispatch every plugged request in order, each on its device. */
export function blk_flush_plug(plug: BlkPlug, cpu: number, t_ns: number): void {
  for (let i = 0; i < plug.tags.length; i++) (plug.devices[i] as BlockDevice).dispatch_plugged(plug.tags[i] as number, cpu, t_ns);
  plug.tags.length = 0;
  plug.devices.length = 0;
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
  /** The completion kind of the request's bios (they merge only with their own kind). */
  private readonly rq_kind: Uint8Array;
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
    /** The bi_end_io of each completion kind (BIO_SWAP, BIO_FILE). */
    private readonly completion: readonly (CompletionHandler | null)[],
  ) {
    assert(params.queue_depth >= 1, 'a block device needs at least one tag');
    this.rq_first_slot = new Int32Array(params.queue_depth);
    this.rq_nr_pages = new Int32Array(params.queue_depth);
    this.rq_write = new Uint8Array(params.queue_depth);
    this.rq_cpu = new Int32Array(params.queue_depth);
    this.rq_kind = new Uint8Array(params.queue_depth);
    for (let tag = params.queue_depth - 1; tag >= 0; tag--) this.free_tags.push(tag);
    this.max_pages_per_rq = Math.max(1, Math.min((params.max_sectors_kb * 1024) / PAGE_SIZE, params.max_segments));
    this.complete_kind = sim.register((tag) => this.complete(tag));
  }

  /**
   * submit_bio of a bio of `nr_pages` pages from page-sized block `slot` (a swap slot or a
   * file block; a folio: one page, or a large folio's contiguous run), completing as `kind`,
   * from a task on `cpu` (blk_mq_submit_bio), when it needs no
   * wait. A bio larger than a request may be is split first (bio_split_to_limits); each part
   * merges into the plug's last request if possible, else takes a free tag and joins the plug
   * (flushing it first when full or its first request is large), or is dispatched at once
   * without a plug. False, having queued nothing, when the tags are too few: the caller then
   * sleeps in submit_bio.
   */
  try_submit_bio(t_ns: number, cpu: number, plug: BlkPlug | null, slot: number, write: boolean, nr_pages = 1, kind = BIO_SWAP): boolean {
    if (nr_pages > 1) return this.try_submit_large_bio(t_ns, cpu, plug, slot, write, nr_pages, kind);
    if (plug !== null && this.can_merge(plug, slot, write, 1, kind)) {
      this.machine.tracer?.bio_queue(cpu, t_ns, slot * SECTORS_PER_PAGE, SECTORS_PER_PAGE, write);
      const last = plug.tags[plug.tags.length - 1] as number;
      this.rq_nr_pages[last] = (this.rq_nr_pages[last] as number) + 1;
      this.stats.bios++;
      return true;
    }
    if (this.free_tags.length === 0) return false;
    this.machine.tracer?.bio_queue(cpu, t_ns, slot * SECTORS_PER_PAGE, SECTORS_PER_PAGE, write);
    this.stats.bios++;
    this.queue_request(t_ns, cpu, plug, slot, 1, write, kind);
    return true;
  }

  /** try_submit_bio of a multi-page bio (a large folio), split to the request size. */
  private try_submit_large_bio(t_ns: number, cpu: number, plug: BlkPlug | null, slot: number, write: boolean, nr_pages: number, kind: number): boolean {
    const max = this.max_pages_per_rq;
    const merges = plug !== null && this.can_merge(plug, slot, write, Math.min(nr_pages, max), kind);
    if (this.free_tags.length < Math.ceil(nr_pages / max) - (merges ? 1 : 0)) return false;
    this.machine.tracer?.bio_queue(cpu, t_ns, slot * SECTORS_PER_PAGE, nr_pages * SECTORS_PER_PAGE, write);
    this.stats.bios++;
    for (let done = 0; done < nr_pages; ) {
      const part = Math.min(nr_pages - done, max);
      if (done === 0 && merges) {
        const last = (plug).tags[(plug).tags.length - 1] as number;
        this.rq_nr_pages[last] = (this.rq_nr_pages[last] as number) + part;
      } else {
        this.queue_request(t_ns, cpu, plug, slot + done, part, write, kind);
      }
      done += part;
    }
    return true;
  }

  /** blk_attempt_plug_merge: the plug's last request is this device's, of the bio's kind, ends where the bio starts and has room for it. */
  private can_merge(plug: BlkPlug, slot: number, write: boolean, nr_pages: number, kind: number): boolean {
    const n = plug.tags.length;
    if (n === 0 || plug.devices[n - 1] !== this) return false;
    const last = plug.tags[n - 1] as number;
    return (
      this.rq_write[last] === (write ? 1 : 0) &&
      this.rq_kind[last] === kind &&
      (this.rq_first_slot[last] as number) + (this.rq_nr_pages[last] as number) === slot &&
      (this.rq_nr_pages[last] as number) + nr_pages <= this.max_pages_per_rq
    );
  }

  /** A new request on a free tag, added to the plug or dispatched at once. */
  private queue_request(t_ns: number, cpu: number, plug: BlkPlug | null, slot: number, nr_pages: number, write: boolean, kind: number): void {
    const tag = this.free_tags.pop() as number;
    this.rq_first_slot[tag] = slot;
    this.rq_nr_pages[tag] = nr_pages;
    this.rq_write[tag] = write ? 1 : 0;
    this.rq_cpu[tag] = cpu;
    this.rq_kind[tag] = kind;
    this.nr_in_flight++;
    if (plug === null) {
      this.dispatch(tag, t_ns);
      return;
    }
    // blk_add_rq_to_plug: the size test reads the plug's first request, whichever device it is for.
    if (plug.tags.length > 0) {
      const first_dev = plug.devices[0] as BlockDevice;
      if (plug.tags.length >= BLK_MAX_REQUEST_COUNT || first_dev.rq_pages(plug.tags[0] as number) * PAGE_SIZE >= BLK_PLUG_FLUSH_SIZE) {
        blk_flush_plug(plug, cpu, t_ns);
      }
    }
    plug.tags.push(tag);
    plug.devices.push(this);
  }

  /** Pages of the request on `tag`. */
  rq_pages(tag: number): number {
    return this.rq_nr_pages[tag] as number;
  }

  /**
   * submit_bio, waiting for tags when too few are free: blk_mq_get_tag sleeps in io_schedule,
   * which flushes the task's plug first.
   */
  *submit_bio(task: Task, cpu: number, plug: BlkPlug | null, slot: number, write: boolean, nr_pages = 1, kind = BIO_SWAP): Generator<Yield, void, void> {
    while (!this.try_submit_bio(task.now_ns, cpu, plug, slot, write, nr_pages, kind)) {
      if (plug !== null) blk_flush_plug(plug, cpu, task.now_ns);
      this.tag_waiters.push(task);
      yield Yield.sleep;
    }
  }

  /** A plugged request of this device leaves the plug (blk_flush_plug) from `cpu`. */
  dispatch_plugged(tag: number, cpu: number, t_ns: number): void {
    this.rq_cpu[tag] = cpu;
    this.dispatch(tag, t_ns);
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
    const completion = this.completion[this.rq_kind[tag] as number] as CompletionHandler;
    const cost = this.machine.cost;
    this.machine.interrupt(cpu, cost.io_irq_ns + nr_pages * cost.end_writeback_ns, -1, this.sim.now_ns, IRQ_IO);
    this.machine.tracer?.rq_complete(cpu, this.sim.now_ns, first * SECTORS_PER_PAGE, nr_pages * SECTORS_PER_PAGE, write);
    for (let slot = first; slot < first + nr_pages; slot++) completion.end_bio(write, slot, cpu);
    this.rq_first_slot[tag] = NIL;
    this.free_tags.push(tag);
    this.nr_in_flight--;
    const waiter = this.tag_waiters.shift();
    if (waiter !== undefined) this.sim.wake(waiter, this.sim.now_ns);
  }
}
