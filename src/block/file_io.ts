import { assert } from '../engine/assert.js';
import { Yield, type Simulator, type Task } from '../engine/simulator.js';
import type { Machine } from '../hw/machine.js';
import { folio_end_writeback } from '../mm/filemap.js';
import { NIL, PG_uptodate, PG_writeback } from '../mm/folio.js';
import type { FileMapping } from '../mm/file_mapping.js';
import { WRITEPAGE_NO_TAG, type AddressSpaceOperations, type IoPlug } from '../mm/address_space.js';
import type { PgData } from '../mm/pgdat.js';
import { BIO_FILE, blk_flush_plug, BlkPlug, BlockDevice, type CompletionHandler } from './blk_mq.js';
import type { SwapDeviceParams } from './device.js';
import type { FileIoProbe } from './probe.js';

const KIB_PER_PAGE = 4;

/**
 * The disk the files live on and the page-cache I/O of their folios (a simple filesystem:
 * each file one contiguous extent; its ->writepage submits one bio per folio, as
 * block_write_full_folio does, and a read fault one bio per page). Its bios complete as
 * BIO_FILE, through the same block layer as swap's.
 */
export class FileIo implements CompletionHandler, AddressSpaceOperations {
  /** The disk's queue; null for a RAM disk (brd), whose bios complete inside submit_bio. */
  readonly device: BlockDevice | null;
  readonly files: FileMapping[] = [];
  /** Blocks of the disk handed out to files so far. */
  private next_block = 0;
  private readonly read_waiters = new Map<number, Task>();
  probe: FileIoProbe | null = null;

  constructor(
    private readonly sim: Simulator,
    private readonly machine: Machine,
    private readonly pgdat: PgData,
    /** The disk's preset, or null for a RAM disk. */
    readonly params: SwapDeviceParams | null,
    /** The disk's size, in pages. */
    readonly nr_blocks: number,
  ) {
    this.device = params === null ? null : new BlockDevice(sim, machine, params, [null, this]);
  }

  /** Places a file of `nr_pages` on the disk, right after the last one; null if the disk is full. */
  alloc_extent(nr_pages: number): number | null {
    if (this.next_block + nr_pages > this.nr_blocks) return null;
    const first = this.next_block;
    this.next_block += nr_pages;
    return first;
  }

  /** The file holding disk block `block`. */
  private file_at(block: number): FileMapping {
    for (const file of this.files) if (block >= file.first_block && block < file.first_block + file.nr_pages) return file;
    throw new Error(`block ${block} belongs to no file`);
  }

  /**
   * ->writepage of a locked page-cache folio whose dirty bit was just cleared: PG_writeback
   * (NR_WRITEBACK), unlock, one write bio (PGPGOUT counts it, in KiB as /proc/vmstat shows).
   */
  writepage(task: Task, cpu: number, plug: IoPlug | null, pfn: number): number {
    const f = this.pgdat.folios;
    const file = this.pgdat.mappings[f.mapping[pfn] as number] as FileMapping;
    f.set(pfn, PG_writeback);
    this.pgdat.vm.nr_writeback++;
    this.pgdat.vm.pgpgout += KIB_PER_PAGE;
    if (this.probe !== null) this.probe.file_write_begin(pfn);
    f.unlock(pfn);
    const block = file.first_block + (f.index[pfn] as number);
    if (this.device === null) {
      // brd_submit_bio: the page is copied (a page's worth of work, clear_page_ns) and the bio ends at once.
      task.now_ns += this.machine.cost.clear_page_ns;
      this.end_bio(true, block, cpu);
      return 0;
    }
    return this.device.try_submit_bio(task.now_ns, cpu, plug as BlkPlug | null, block, true, 1, BIO_FILE) ? 0 : WRITEPAGE_NO_TAG;
  }

  *writepage_wait(task: Task, cpu: number, plug: IoPlug | null, pfn: number): Generator<Yield, number, void> {
    const f = this.pgdat.folios;
    const file = this.pgdat.mappings[f.mapping[pfn] as number] as FileMapping;
    assert(this.device !== null, 'only a block device runs out of tags');
    yield* this.device.submit_bio(task, cpu, plug as BlkPlug | null, file.first_block + (f.index[pfn] as number), true, 1, BIO_FILE);
    return 0;
  }

  /**
   * The reads of readahead (page_cache_ra_unbounded → read_pages): new locked page-cache
   * folios of `file`, by ascending index, one bio each under a plug, so that contiguous ones
   * merge into one request (PGPGIN counts every page); each completion marks its folio
   * uptodate and unlocks it (folio_end_read). The task sleeps until `wait_pfn`, the folio its
   * fault needs, is uptodate.
   */
  *read_folios(task: Task, cpu: number, file: FileMapping, indices: readonly number[], wait_pfn: number): Generator<Yield, void, void> {
    this.pgdat.vm.pgpgin += KIB_PER_PAGE * indices.length;
    if (this.device === null) {
      for (const index of indices) {
        task.now_ns += this.machine.cost.clear_page_ns;
        this.end_bio(false, file.first_block + index, cpu);
      }
      return;
    }
    this.read_waiters.set(file.first_block + (this.pgdat.folios.index[wait_pfn] as number), task);
    const plug = new BlkPlug();
    for (const index of indices) yield* this.device.submit_bio(task, cpu, plug, file.first_block + index, false, 1, BIO_FILE);
    blk_flush_plug(plug, cpu, task.now_ns);
    while (!this.pgdat.folios.test(wait_pfn, PG_uptodate)) yield Yield.sleep;
  }

  /** mpage_end_io / end_buffer_async_write for the page at `block`. */
  end_bio(write: boolean, block: number, cpu: number): void {
    const file = this.file_at(block);
    const pfn = file.get_folio(block - file.first_block);
    assert(pfn !== NIL, () => `file ${file.name}: I/O completion for block ${block} without its folio`);
    const f = this.pgdat.folios;
    if (write) {
      assert(f.test(pfn, PG_writeback), () => `file ${file.name}: write completion for folio ${pfn} not under writeback`);
      this.pgdat.vm.nr_writeback--;
      this.pgdat.vm.nr_written++;
      if (this.probe !== null) this.probe.file_stored(pfn, file.id, block - file.first_block);
      folio_end_writeback(this.pgdat, cpu, pfn);
      return;
    }
    f.set(pfn, PG_uptodate);
    f.unlock(pfn);
    if (this.probe !== null) this.probe.file_read_done(pfn, file.id, block - file.first_block);
    const task = this.read_waiters.get(block);
    if (task === undefined) return;
    this.read_waiters.delete(block);
    this.sim.wake(task, this.sim.now_ns);
  }
}
