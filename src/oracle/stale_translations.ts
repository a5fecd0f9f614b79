import { table } from '../engine/tables.js';

/**
 * The translations some CPUs may still cache after reclaim cleared their PTEs: at most one
 * per page frame, kept in arrays indexed by pfn. (As a Map of objects they lived long enough
 * to be promoted into V8's old space, ~2 MB per run, and the major collections that followed
 * cost more than the checks.)
 *
 * For each entry: the oracle event at which the PTE was cleared, the mm and virtual page, the
 * PTE's dirty bit, and the CPUs that had the mm loaded and were not lazy then, as an index
 * into `cpu_sets` (a lazy CPU runs no user code, and flushes when it leaves lazy mode). The
 * entries of one virtual page are chained, so an INVLPG finds its entries without a search
 * (a single-threaded process flushes every page it unmaps that way).
 */
export class StaleTranslations {
  /** The oracle event at which the PTE was cleared; 0 where the frame has no entry. */
  readonly event: Float64Array;
  readonly mm_id: Int32Array;
  readonly vpn: Int32Array;
  readonly dirty: Uint8Array;
  readonly cpu_set: Int32Array;
  /**
   * The distinct CPU sets entries refer to, each once (interned by `cpu_set_index`): a long
   * stress run changes its running set thousands of times per pass but among few sets, and
   * one array per change grew the oracle by megabytes per pass.
   */
  readonly cpu_sets: (readonly number[])[] = [];
  private readonly cpu_set_ids = new Map<string, number>();
  /** CPUs that INVLPGed an entry's page since it was cleared, by pfn (partial flushes only). */
  readonly invlpg_cpus = new Map<number, number[]>();
  /** Frames that have (or recently had) an entry, each once; compacted by `sweep`. */
  private readonly listed: Int32Array;
  private readonly in_list: Uint8Array;
  private nr_listed = 0;
  /**
   * Each virtual page's chain: per address space, by vpn, its first entry's pfn + 1 (0: none);
   * per entry, the next one's pfn + 1, or 0.
   */
  private readonly page_first = new Map<number, Int32Array>();
  private readonly page_next: Int32Array;
  /** The address space asked for last, and its chain heads (reclaim works through one at a time). */
  private last_mm_id = -1;
  private last_heads: Int32Array = new Int32Array(0);
  size = 0;

  /** `nr_vpns` gives an address space's number of virtual pages (its page table's length). */
  constructor(
    nr_pages: number,
    private readonly nr_vpns: (mm_id: number) => number,
  ) {
    this.event = table(Float64Array, nr_pages);
    this.mm_id = table(Int32Array, nr_pages);
    this.vpn = table(Int32Array, nr_pages);
    this.dirty = table(Uint8Array, nr_pages);
    this.cpu_set = table(Int32Array, nr_pages);
    this.listed = table(Int32Array, nr_pages);
    this.in_list = table(Uint8Array, nr_pages);
    this.page_next = table(Int32Array, nr_pages);
  }

  /** The chain heads of an address space, made on its first entry. */
  private heads(mm_id: number): Int32Array {
    if (mm_id === this.last_mm_id) return this.last_heads;
    let heads = this.page_first.get(mm_id);
    if (heads === undefined) {
      heads = table(Int32Array, this.nr_vpns(mm_id));
      this.page_first.set(mm_id, heads);
    }
    this.last_mm_id = mm_id;
    this.last_heads = heads;
    return heads;
  }

  /** The index in `cpu_sets` of the set with these bits (one 32-bit word per 32 CPUs). */
  cpu_set_index(bits: Uint32Array, nr_cpus: number): number {
    const key = bits.join(',');
    let index = this.cpu_set_ids.get(key);
    if (index === undefined) {
      const cpus: number[] = [];
      for (let cpu = 0; cpu < nr_cpus; cpu++) if ((((bits[cpu >>> 5] as number) >>> (cpu & 31)) & 1) === 1) cpus.push(cpu);
      index = this.cpu_sets.push(cpus) - 1;
      this.cpu_set_ids.set(key, index);
    }
    return index;
  }

  has(pfn: number): boolean {
    return this.event[pfn] !== 0;
  }

  /** Records (or replaces) the frame's entry; `event` must be positive. */
  set(pfn: number, mm_id: number, vpn: number, dirty: boolean, cpu_set: number, event: number): void {
    this.delete(pfn);
    this.size++;
    this.event[pfn] = event;
    this.mm_id[pfn] = mm_id;
    this.vpn[pfn] = vpn;
    this.dirty[pfn] = dirty ? 1 : 0;
    this.cpu_set[pfn] = cpu_set;
    const heads = this.heads(mm_id);
    this.page_next[pfn] = heads[vpn] as number;
    heads[vpn] = pfn + 1;
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
    const heads = this.heads(this.mm_id[pfn] as number);
    const vpn = this.vpn[pfn] as number;
    const next = this.page_next[pfn] as number;
    let link = heads[vpn] as number;
    if (link === pfn + 1) {
      heads[vpn] = next;
      return;
    }
    while (this.page_next[link - 1] !== pfn + 1) link = this.page_next[link - 1] as number;
    this.page_next[link - 1] = next;
  }

  /** Calls `visit` with the pfn of every entry for the virtual page (it may delete that entry). */
  for_each_on_page(mm_id: number, vpn: number, visit: (pfn: number) => void): void {
    let link = this.page_first.get(mm_id)?.[vpn] ?? 0;
    while (link !== 0) {
      const pfn = link - 1;
      link = this.page_next[pfn] as number;
      visit(pfn);
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
