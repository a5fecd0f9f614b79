import { assert } from '../engine/assert.js';
import { Yield, type Simulator, type Task } from '../engine/simulator.js';
import type { Machine } from '../hw/machine.js';
import { folio_end_writeback } from '../mm/filemap.js';
import { HPAGE_PMD_ORDER, NIL, PG_dirty, PG_uptodate, PG_writeback } from '../mm/folio.js';
import type { ModelMutants } from '../mm/mutants.js';
import type { PgData } from '../mm/pgdat.js';
import { table } from '../engine/tables.js';
import { BIO_SWAP, BlockDevice, type BlkPlug, type CompletionHandler } from './blk_mq.js';
import { AOP_WRITEPAGE_ACTIVATE, SWAP_MAPPING, WRITEPAGE_NO_TAG, type AddressSpace, type AddressSpaceOperations } from '../mm/address_space.js';
import type { SwapDeviceParams } from './device.js';
import { SWAP_STORE_DEVICE, SWAP_STORE_ZEROMAP, SWAP_STORE_ZSWAP, type BlockProbe } from './probe.js';

const KIB_PER_PAGE = 4;

export { AOP_WRITEPAGE_ACTIVATE };
/** swap_writepage's answer when the folio's bio found no free tag (WRITEPAGE_NO_TAG). */
export const SWAP_WRITEPAGE_NO_TAG = WRITEPAGE_NO_TAG;

/** zswap in front of the swap device (the scenario's swap.zswap). */
export interface ZswapParams {
  enabled: boolean;
  /** memory.zswap.writeback of the cgroup: false keeps pages zswap cannot store out of swap. */
  writeback: boolean;
  /** Percent of pages zswap cannot store. */
  incompressible: number;
}

/** is_folio_zero_filled: every page of the folio is zero. */
function is_folio_zero_filled(zero_filled: Uint8Array, pfn: number, nr: number): boolean {
  for (let page = pfn; page < pfn + nr; page++) if (zero_filled[page] !== 1) return false;
  return true;
}

/** count_swpout_vm_event (large folios only): THP_SWPOUT for a PMD-sized folio, and the order's mTHP swpout stat. */
function count_swpout_vm_event(pgdat: PgData, order: number): void {
  if (order === HPAGE_PMD_ORDER) pgdat.thp.thp_swpout++;
  pgdat.mthp.count(order, 'swpout');
}

/**
 * Swap I/O (mm/page_io.c): writing a locked swap-cache folio out and reading one in, on
 * either a synchronous device (zram: the work is done inline on the caller's CPU, and the
 * completion runs before the call returns) or an asynchronous block device.
 */
export class SwapIo implements CompletionHandler, AddressSpaceOperations {
  readonly device: BlockDevice | null;
  private readonly read_waiters = new Map<number, Task>();
  /** Per slot, the folio its read bio fills (the bio's folio), or NIL when no read is in flight. */
  private readonly reading_pfn: Int32Array;
  probe: BlockProbe | null = null;

  constructor(
    private readonly sim: Simulator,
    private readonly machine: Machine,
    private readonly pgdat: PgData,
    readonly params: SwapDeviceParams,
    readonly zswap: ZswapParams,
    private readonly mutants: ModelMutants,
  ) {
    this.device = params.kind === 'zram' ? null : new BlockDevice(sim, machine, params, [this]);
    this.reading_pfn = table(Int32Array, pgdat.swap.nr_slots).fill(NIL);
    (pgdat.mappings[SWAP_MAPPING] as AddressSpace).a_ops = this;
  }

  /** The swap space's a_ops->writepage (swap_writepage). */
  writepage(task: Task, cpu: number, plug: object | null, pfn: number): number {
    return this.swap_writepage(task, cpu, plug as BlkPlug | null, pfn);
  }

  writepage_wait(task: Task, cpu: number, plug: object | null, pfn: number): Generator<Yield, number, void> {
    return this.swap_writepage_wait(task, cpu, plug as BlkPlug | null, pfn);
  }

  /**
   * swap_writepage (kernel-spec F2, F3): a slot no PTE refers to any more is just released; a
   * zero-filled folio only sets its slot's zeromap bit (no I/O: it comes back clean, unlocked
   * and not under writeback, so reclaim frees it in the same pass); otherwise count PSWPOUT,
   * set PG_writeback, unlock, and either compress inline and complete (zram,
   * swap_writepage_bdev_sync) or submit one bio for the folio (swap_writepage_bdev_async).
   * It never waits: a bio that finds no free tag is answered SWAP_WRITEPAGE_NO_TAG, so that
   * the common path makes no generator per folio.
   */
  swap_writepage(task: Task, cpu: number, plug: BlkPlug | null, pfn: number): number {
    const pgdat = this.pgdat;
    const f = pgdat.folios;
    if (pgdat.swap.folio_free_swap(f, pfn)) {
      f.unlock(pfn);
      return 0;
    }
    const slot = f.swap[pfn] as number;
    assert(slot !== NIL, () => `swap_writepage of folio ${pfn} outside the swap cache`);
    const nr = f.nr(pfn);
    const swap = pgdat.swap;
    if (this.probe !== null) for (let i = 0; i < nr; i++) this.probe.swap_write_begin(pfn + i, slot + i);
    if (nr === 1 ? f.zero_filled[pfn] === 1 : is_folio_zero_filled(f.zero_filled, pfn, nr)) {
      // is_folio_zero_filled read the whole folio; swap_zeromap_folio_set.
      task.now_ns += nr * this.machine.cost.zero_page_check_ns;
      if (!this.mutants.zeromap_bit_not_set) for (let s = slot; s < slot + nr; s++) swap.zeromap[s] = 1;
      pgdat.vm.swpout_zero += nr;
      if (this.probe !== null) {
        this.probe.writeback_start(pfn);
        for (let i = 0; i < nr; i++) this.probe.swap_stored(pfn + i, slot + i, SWAP_STORE_ZEROMAP);
      }
      f.unlock(pfn);
      return 0;
    }
    for (let s = slot; s < slot + nr; s++) {
      swap.zeromap[s] = 0;
      swap.zswapped[s] = 0;
    }
    // zswap_store takes no large folio in 6.12: those go to the device.
    if (this.zswap.enabled && nr === 1) {
      // zswap_store: compress; a page zswap cannot store goes to the device, unless the
      // cgroup forbids zswap writeback (mem_cgroup_zswap_writeback_enabled).
      task.now_ns += this.machine.cost.zswap_compress_ns;
      if (!this.incompressible(pfn)) {
        if (!this.mutants.zswap_store_nothing) swap.zswapped[slot] = 1;
        pgdat.vm.zswpout += nr;
        if (this.probe !== null) {
          this.probe.writeback_start(pfn);
          this.probe.swap_stored(pfn, slot, SWAP_STORE_ZSWAP);
        }
        f.unlock(pfn);
        return 0;
      }
      if (!this.zswap.writeback) {
        f.set(pfn, PG_dirty);
        return AOP_WRITEPAGE_ACTIVATE;
      }
    }
    pgdat.vm.pswpout += nr;
    pgdat.vm.pgpgout += nr * KIB_PER_PAGE;
    if (nr > 1) count_swpout_vm_event(pgdat, f.order[pfn] as number);
    f.set(pfn, PG_writeback);
    if (this.probe !== null) this.probe.writeback_start(pfn);
    f.unlock(pfn);
    if (this.device === null) {
      task.now_ns += nr * this.machine.cost.zram_compress_ns;
      this.end_bio(true, slot + nr - 1, cpu);
      return 0;
    }
    // One bio for the whole folio (swap_writepage_bdev_async).
    return this.device.try_submit_bio(task.now_ns, cpu, plug, slot, true, nr, BIO_SWAP) ? 0 : SWAP_WRITEPAGE_NO_TAG;
  }

  /** The end of a swap_writepage answered SWAP_WRITEPAGE_NO_TAG: sleep in submit_bio until a tag frees. */
  *swap_writepage_wait(task: Task, cpu: number, plug: BlkPlug | null, pfn: number): Generator<Yield, number, void> {
    assert(this.device !== null, 'only a block device runs out of tags');
    const f = this.pgdat.folios;
    yield* this.device.submit_bio(task, cpu, plug, f.swap[pfn] as number, true, f.nr(pfn));
    return 0;
  }

  /** Whether zswap cannot store the folio's data: `zswap.incompressible` percent of each region's pages, spread evenly by address. */
  private incompressible(pfn: number): boolean {
    const pct = this.zswap.incompressible;
    return ((this.pgdat.folios.rmap_vpn[pfn] as number) * pct) % 100 < pct;
  }

  /**
   * swap_read_folio for a locked folio newly allocated for `slot`: a zeromap slot is filled
   * with zeros without I/O (swap_read_folio_zeromap); otherwise zram decompresses inline and a
   * block device gets a read bio while the task sleeps until the read completes.
   */
  *swap_read_folio(task: Task, cpu: number, pfn: number, slot: number): Generator<Yield, void, void> {
    const pgdat = this.pgdat;
    if (pgdat.swap.zeromap[slot] === 1) {
      pgdat.vm.swpin_zero++;
      pgdat.folios.zero_filled[pfn] = 1;
      this.read_inline(pfn, slot, SWAP_STORE_ZEROMAP);
      return;
    }
    // Only non-zero pages reach zswap or the device (zero ones took the zeromap).
    pgdat.folios.zero_filled[pfn] = 0;
    if (pgdat.swap.zswapped[slot] === 1) {
      // zswap_load
      task.now_ns += this.machine.cost.zswap_decompress_ns;
      pgdat.vm.zswpin++;
      this.read_inline(pfn, slot, SWAP_STORE_ZSWAP);
      return;
    }
    pgdat.vm.pswpin++;
    pgdat.vm.pgpgin += KIB_PER_PAGE;
    if (this.device === null) {
      task.now_ns += this.machine.cost.zram_decompress_ns;
      this.read_inline(pfn, slot, SWAP_STORE_DEVICE);
      return;
    }
    if (this.probe !== null) this.probe.swap_read(pfn, slot, SWAP_STORE_DEVICE);
    this.reading_pfn[slot] = pfn;
    if (this.mutants.swapin_map_before_read) {
      yield* this.device.submit_bio(task, cpu, null, slot, false);
      return;
    }
    this.read_waiters.set(slot, task);
    yield* this.device.submit_bio(task, cpu, null, slot, false);
    while (!pgdat.folios.test(pfn, PG_uptodate)) yield Yield.sleep;
  }

  /** A read done without I/O or inline (zeromap, zswap, zram): the folio is uptodate at once. */
  private read_inline(pfn: number, slot: number, store: number): void {
    if (this.probe !== null) this.probe.swap_read(pfn, slot, store);
    this.pgdat.folios.set(pfn, PG_uptodate);
    if (this.probe !== null) this.probe.swap_read_done(pfn);
  }

  /** end_swap_bio_write / end_swap_bio_read for the page at `slot`. */
  end_bio(write: boolean, slot: number, cpu: number): void {
    const pgdat = this.pgdat;
    if (write) {
      const page = pgdat.swap.swap_cache[slot] as number;
      assert(page !== NIL, () => `write completion for slot ${slot} without its folio`);
      const f = pgdat.folios;
      // A large folio is one bio: its writeback ends when the bio's last page completes (a bio
      // split to the queue's limits completes as its parts do, in order on the FIFO pipe).
      const pfn = f.order[page] === 0 ? page : f.folio_head(page);
      if (pfn !== page || f.order[pfn] !== 0) {
        if ((f.swap[pfn] as number) + f.nr(pfn) - 1 !== slot) return;
      }
      assert(pgdat.folios.test(pfn, PG_writeback), () => `write completion for slot ${slot} without its folio under writeback`);
      if (this.probe !== null) {
        const first = f.swap[pfn] as number;
        for (let i = 0; i < f.nr(pfn); i++) this.probe.swap_stored(pfn + i, first + i, SWAP_STORE_DEVICE);
      }
      folio_end_writeback(pgdat, cpu, pfn);
      return;
    }
    const pfn = this.reading_pfn[slot] as number;
    assert(pfn !== NIL, () => `read completion for slot ${slot} without a read in flight`);
    this.reading_pfn[slot] = NIL;
    // folio_mark_uptodate on the bio's folio (a folio mapped too early may be gone by now).
    if ((pgdat.folios.refcount[pfn] as number) > 0) pgdat.folios.set(pfn, PG_uptodate);
    if (this.probe !== null) this.probe.swap_read_done(pfn);
    const task = this.read_waiters.get(slot);
    if (task === undefined) return;
    this.read_waiters.delete(slot);
    this.sim.wake(task, this.sim.now_ns);
  }
}

