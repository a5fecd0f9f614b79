import { table } from '../engine/tables.js';

/**
 * The translations some CPUs may still cache after reclaim cleared their PTEs: at most one
 * per page frame, kept in arrays indexed by pfn. (As a Map of objects they lived long enough
 * to be promoted into V8's old space, ~2 MB per run, and the major collections that followed
 * cost more than the checks.)
 *
 * For each entry: the oracle event at which the PTE was cleared, the mm and virtual page, the
 * PTE's dirty bit, and the CPUs that had the mm loaded and were not lazy then, as an index
 * into `cpu_sets` (a lazy CPU runs no user code, and flushes when it leaves lazy mode).
 */
export class StaleTranslations {
  /** The oracle event at which the PTE was cleared; 0 where the frame has no entry. */
  readonly event: Float64Array;
  readonly mm_id: Int32Array;
  readonly vpn: Int32Array;
  readonly dirty: Uint8Array;
  readonly cpu_set: Int32Array;
  /** The distinct CPU sets entries refer to (few: consecutive PTE clears share one). */
  readonly cpu_sets: (readonly number[])[] = [];
  /** CPUs that INVLPGed an entry's page since it was cleared, by pfn (rare: partial flushes only). */
  readonly invlpg_cpus = new Map<number, number[]>();
  /** Frames that have (or recently had) an entry, each once; compacted by `sweep`. */
  private readonly listed: Int32Array;
  private readonly in_list: Uint8Array;
  private nr_listed = 0;
  size = 0;

  constructor(nr_pages: number) {
    this.event = table(Float64Array, nr_pages);
    this.mm_id = table(Int32Array, nr_pages);
    this.vpn = table(Int32Array, nr_pages);
    this.dirty = table(Uint8Array, nr_pages);
    this.cpu_set = table(Int32Array, nr_pages);
    this.listed = table(Int32Array, nr_pages);
    this.in_list = table(Uint8Array, nr_pages);
  }

  has(pfn: number): boolean {
    return this.event[pfn] !== 0;
  }

  /** Records (or replaces) the frame's entry; `event` must be positive. */
  set(pfn: number, mm_id: number, vpn: number, dirty: boolean, cpu_set: number, event: number): void {
    if (this.event[pfn] === 0) this.size++;
    this.event[pfn] = event;
    this.mm_id[pfn] = mm_id;
    this.vpn[pfn] = vpn;
    this.dirty[pfn] = dirty ? 1 : 0;
    this.cpu_set[pfn] = cpu_set;
    this.invlpg_cpus.delete(pfn);
    if (this.in_list[pfn] === 0) {
      this.in_list[pfn] = 1;
      this.listed[this.nr_listed++] = pfn;
    }
  }

  delete(pfn: number): void {
    if (this.event[pfn] === 0) return;
    this.event[pfn] = 0;
    this.invlpg_cpus.delete(pfn);
    this.size--;
  }

  /** Calls `visit` with the pfn of every entry. */
  for_each(visit: (pfn: number) => void): void {
    for (let i = 0; i < this.nr_listed; i++) {
      const pfn = this.listed[i] as number;
      if (this.event[pfn] !== 0) visit(pfn);
    }
  }

  /** Deletes the entries `keep` rejects, and forgets the frames that have none. */
  sweep(keep: (pfn: number) => boolean): void {
    let kept = 0;
    for (let i = 0; i < this.nr_listed; i++) {
      const pfn = this.listed[i] as number;
      if (this.event[pfn] !== 0 && !keep(pfn)) this.delete(pfn);
      if (this.event[pfn] === 0) this.in_list[pfn] = 0;
      else this.listed[kept++] = pfn;
    }
    this.nr_listed = kept;
  }
}
