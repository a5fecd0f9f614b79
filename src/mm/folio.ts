import { assert } from '../engine/assert.js';
import type { MmProbe } from './probe.js';
import { table } from '../engine/tables.js';

/**
 * Folio flags (include/linux/page-flags.h), as bits of one word per folio. PG_anon stands for
 * the PAGE_MAPPING_ANON tag of folio->mapping; PG_swapcache is PG_owner_priv_1 on swap-backed
 * folios.
 */
export const PG_locked = 1 << 0;
export const PG_referenced = 1 << 1;
export const PG_uptodate = 1 << 2;
export const PG_dirty = 1 << 3;
export const PG_lru = 1 << 4;
export const PG_active = 1 << 5;
export const PG_workingset = 1 << 6;
export const PG_swapcache = 1 << 7;
export const PG_writeback = 1 << 8;
export const PG_reclaim = 1 << 9;
export const PG_swapbacked = 1 << 10;
export const PG_unevictable = 1 << 11;
export const PG_mlocked = 1 << 12;
export const PG_anon = 1 << 13;
/**
 * The folio's page is not PageAnonExclusive (the model keeps the per-page bit inverted, on the
 * folio: order-0 folios only share): fork shared it copy-on-write, or a swap-in mapped it
 * from a slot another mm also refers to. A write must go through do_wp_page.
 */
export const PG_anon_shared = 1 << 14;

/**
 * The multi-gen LRU's fields of folio->flags (include/linux/mmzone.h, page-flags-layout.h):
 * gen + 1 of the generation list the folio is on (0: none; LRU_GEN_WIDTH = 3 bits), and the
 * refs counter of accesses through file descriptors (LRU_REFS_WIDTH = 2 bits on Debian's
 * x86-64 build). Kept in the same word as the PG_* bits, above them.
 */
export const LRU_GEN_PGOFF = 16;
export const LRU_GEN_MASK = 0b111 << LRU_GEN_PGOFF;
export const LRU_REFS_PGOFF = 19;
export const LRU_REFS_WIDTH = 2;
export const LRU_REFS_MASK = ((1 << LRU_REFS_WIDTH) - 1) << LRU_REFS_PGOFF;

/** No folio / no slot / no mapping. */
export const NIL = -1;

/** MAX_PAGE_ORDER for anonymous folios here: HPAGE_PMD_ORDER, a 2 MiB PMD-mappable THP. */
export const HPAGE_PMD_ORDER = 9;
export const HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;

/**
 * Every page frame of the machine, in struct-of-arrays form indexed by pfn: about 41 bytes per
 * 4 KiB page against the kernel's 64-byte struct page. A folio of order o is 2^o frames
 * starting at a 2^o-aligned head pfn (as the buddy allocator hands them out); every page of
 * it records the order, so `folio_head` finds the head from any page (compound_head).
 *
 * Per folio (read at the head, as the kernel keeps them in the folio): flags, refcount,
 * mapcount (folio_mapcount: one per PTE mapping a page of it, one for a PMD mapping), LRU
 * links, memcg. Per page: `swap` (page_swap_entry: the head's slot + i), the anon rmap
 * (`rmap_mm`, `rmap_vpn`: the mm and virtual page mapping that page, as page->index) and
 * `zero_filled`. Tail pages keep flags, refcount and mapcount at 0 (the kernel's tails
 * point to the head instead). List links are intrusive (`lru_prev`/`lru_next`, as folio->lru),
 * used by the LRU lists and by reclaim's private folio lists alike.
 */
export class FolioTable {
  readonly nr_pages: number;
  readonly flags: Uint32Array;
  readonly refcount: Int32Array;
  /** Number of page-table mappings (the kernel's _mapcount + 1). */
  readonly mapcount: Int32Array;
  readonly order: Uint8Array;
  readonly lru_prev: Int32Array;
  readonly lru_next: Int32Array;
  /**
   * The multi-gen LRU list (gen * 2 + type) a folio is on: folio_update_gen rewrites the gen
   * bits of a listed folio and leaves it where it is (the lists are sorted lazily, at
   * eviction), so the list a removal must unlink it from is kept here. Made at first use: only
   * a multi-gen LRU needs it, and the classic LRU's state stays within 64 bytes per page.
   */
  get lrugen_list(): Uint8Array {
    return (this.lrugen_list_table ??= table(Uint8Array, this.nr_pages));
  }

  /** Whether lrugen_list exists (a multi-gen LRU has listed a folio). */
  get has_lrugen_list(): boolean {
    return this.lrugen_list_table !== null;
  }

  private lrugen_list_table: Uint8Array | null = null;
  /** folio->swap: the swap slot of a swap-cache folio, or NIL. */
  readonly swap: Int32Array;
  /** Anon rmap of a private anonymous folio: the mm and virtual page that map it. */
  readonly rmap_mm: Int32Array;
  readonly rmap_vpn: Int32Array;
  /**
   * folio->memcg_data: the id of the memory cgroup the folio is charged to (mem_cgroup_id);
   * 0 is the root cgroup, which is also what an uncharged folio reads.
   */
  readonly memcg: Uint8Array;
  /**
   * Whether the frame's bytes are all zero. The model keeps no page contents, only this:
   * swap_writepage's is_folio_zero_filled reads it (the zeromap, 6.12).
   */
  readonly zero_filled: Uint8Array;
  /**
   * folio->mapping of a page-cache folio: its file mapping's id in pgdat.mappings, or NIL
   * (anonymous folios keep NIL: their mapping is the anon_vma, and a swap-cache folio's is
   * found from PG_swapcache; see folio_mapping). Read at the head.
   */
  readonly mapping: Int32Array;
  /** folio->index of a page-cache folio: its page offset in the file. */
  readonly index: Int32Array;

  /** Page allocator: a stack of freed order-0 pfns, and the first pfn never handed out. */
  private readonly free_stack: Int32Array;
  private free_top = 0;
  private never_used = 0;
  /** Freed large blocks by order (1 … HPAGE_PMD_ORDER): stacks of head pfns, made on first use. */
  private readonly free_large: (Int32Array | null)[] = [];
  private readonly free_large_top = new Int32Array(HPAGE_PMD_ORDER + 1);
  nr_free_pages: number;
  probe: MmProbe | null = null;

  constructor(nr_pages: number) {
    this.nr_pages = nr_pages;
    this.flags = table(Uint32Array, nr_pages);
    this.refcount = table(Int32Array, nr_pages);
    this.mapcount = table(Int32Array, nr_pages);
    this.order = table(Uint8Array, nr_pages);
    this.lru_prev = table(Int32Array, nr_pages).fill(NIL);
    this.lru_next = table(Int32Array, nr_pages).fill(NIL);
    this.swap = table(Int32Array, nr_pages).fill(NIL);
    this.rmap_mm = table(Int32Array, nr_pages).fill(NIL);
    this.rmap_vpn = table(Int32Array, nr_pages).fill(NIL);
    this.memcg = table(Uint8Array, nr_pages);
    this.zero_filled = table(Uint8Array, nr_pages);
    this.mapping = table(Int32Array, nr_pages).fill(NIL);
    this.index = table(Int32Array, nr_pages);
    this.free_stack = table(Int32Array, nr_pages);
    this.nr_free_pages = nr_pages;
    for (let order = 0; order <= HPAGE_PMD_ORDER; order++) this.free_large.push(null);
  }

  /** compound_head / page_folio: the head pfn of the folio the page belongs to. */
  folio_head(pfn: number): number {
    return pfn & ~((1 << (this.order[pfn] as number)) - 1);
  }

  /** folio_test_large */
  large(pfn: number): boolean {
    return this.order[pfn] !== 0;
  }

  /** Allocates one order-0 folio with a single reference, or NIL when memory is exhausted. */
  alloc(): number {
    let pfn: number;
    if (this.free_top > 0) pfn = this.free_stack[--this.free_top] as number;
    else if (this.never_used < this.nr_pages) pfn = this.never_used++;
    else {
      pfn = this.take_large_block(1);
      if (pfn === NIL) return NIL;
    }
    this.nr_free_pages--;
    assert(this.flags[pfn] === 0 && this.refcount[pfn] === 0, () => `allocated pfn ${pfn} is not clean`);
    this.refcount[pfn] = 1;
    // clear_page: a new anonymous page is zero until written (a swap-in overwrites it).
    this.zero_filled[pfn] = 1;
    if (this.probe !== null) this.probe.folio_allocated(pfn);
    return pfn;
  }

  /**
   * Allocates a folio of `order` (1 … HPAGE_PMD_ORDER), 2^order frames aligned to their size,
   * with a single reference on the head; NIL when no such block is free (no compaction is
   * modelled: the caller falls back to a smaller order, as alloc_anon_folio does). Order 0
   * is `alloc`.
   */
  alloc_order(order: number): number {
    if (order === 0) return this.alloc();
    const nr = 1 << order;
    let head = NIL;
    const stack = this.free_large[order] ?? null;
    if (stack !== null && (this.free_large_top[order] as number) > 0) {
      this.free_large_top[order] = (this.free_large_top[order] as number) - 1;
      head = stack[this.free_large_top[order]] as number;
    } else {
      const aligned = Math.ceil(this.never_used / nr) * nr;
      if (aligned + nr <= this.nr_pages) {
        // The frames skipped to align the block stay usable as order-0 pages.
        for (let pfn = this.never_used; pfn < aligned; pfn++) this.free_stack[this.free_top++] = pfn;
        head = aligned;
        this.never_used = aligned + nr;
      } else {
        head = this.take_large_block(nr);
      }
    }
    if (head === NIL) return NIL;
    this.nr_free_pages -= nr;
    assert(this.flags[head] === 0 && this.refcount[head] === 0, () => `allocated pfn ${head} is not clean`);
    this.refcount[head] = 1;
    for (let pfn = head; pfn < head + nr; pfn++) {
      this.order[pfn] = order;
      this.zero_filled[pfn] = 1;
      if (this.probe !== null) this.probe.folio_allocated(pfn);
    }
    return head;
  }

  /**
   * The first `nr` frames of the smallest freed large block of at least `nr` frames; the rest
   * of the block goes back as free blocks of halving size (the buddy allocator's expand). NIL
   * when there is none.
   */
  private take_large_block(nr: number): number {
    for (let order = Math.max(1, Math.log2(nr)); order <= HPAGE_PMD_ORDER; order++) {
      const stack = this.free_large[order] ?? null;
      if (stack === null || (this.free_large_top[order] as number) === 0) continue;
      this.free_large_top[order] = (this.free_large_top[order] as number) - 1;
      const head = stack[this.free_large_top[order] as number] as number;
      for (let size = (1 << order) >> 1; size >= nr; size >>= 1) this.push_free_block(head + size, size);
      return head;
    }
    return NIL;
  }

  private push_free_block(head: number, nr: number): void {
    if (nr === 1) {
      this.free_stack[this.free_top++] = head;
      return;
    }
    const order = Math.log2(nr);
    let stack = this.free_large[order] as Int32Array | null;
    if (stack === null) {
      stack = table(Int32Array, Math.ceil(this.nr_pages / nr));
      this.free_large[order] = stack;
    }
    stack[this.free_large_top[order] as number] = head;
    this.free_large_top[order] = (this.free_large_top[order] as number) + 1;
  }

  /** Returns a folio whose last reference is gone to the allocator (free_unref_folios), all its pages. */
  free(pfn: number): void {
    assert(this.refcount[pfn] === 0, () => `free of pfn ${pfn} with refcount ${this.refcount[pfn]}`);
    assert(this.mapcount[pfn] === 0, () => `free of mapped pfn ${pfn}`);
    assert(this.lru_next[pfn] === NIL && this.lru_prev[pfn] === NIL, () => `free of listed pfn ${pfn}`);
    assert(this.memcg[pfn] === 0, () => `free of pfn ${pfn} still charged to memcg ${this.memcg[pfn]} (mem_cgroup_uncharge_folios skipped)`);
    assert(this.folio_head(pfn) === pfn, () => `free of tail page ${pfn}`);
    assert(this.mapping[pfn] === NIL, () => `free of pfn ${pfn} still in the page cache of mapping ${this.mapping[pfn]}`);
    const nr = this.nr(pfn);
    // Told before anything is cleared: the observer checks the flags the folio is freed with,
    // and sees the folio whole, before its pages forget their order.
    if (this.probe !== null) this.probe.folio_freed(pfn);
    this.flags[pfn] = 0;
    for (let page = pfn; page < pfn + nr; page++) {
      this.swap[page] = NIL;
      this.rmap_mm[page] = NIL;
      this.rmap_vpn[page] = NIL;
    }
    for (let page = pfn + 1; page < pfn + nr; page++) this.order[page] = 0;
    this.order[pfn] = 0;
    this.push_free_block(pfn, nr);
    this.nr_free_pages += nr;
  }

  test(pfn: number, flag: number): boolean {
    return ((this.flags[pfn] as number) & flag) !== 0;
  }

  set(pfn: number, flag: number): void {
    this.flags[pfn] = (this.flags[pfn] as number) | flag;
  }

  clear(pfn: number, flag: number): void {
    this.flags[pfn] = (this.flags[pfn] as number) & ~flag;
  }

  /** Clears `flag`, returning whether it was set (folio_test_clear_*). */
  test_clear(pfn: number, flag: number): boolean {
    const was = ((this.flags[pfn] as number) & flag) !== 0;
    this.flags[pfn] = (this.flags[pfn] as number) & ~flag;
    return was;
  }

  /** folio_nr_pages */
  nr(pfn: number): number {
    return 1 << (this.order[pfn] as number);
  }

  /** folio_trylock: false if already locked. */
  trylock(pfn: number): boolean {
    if (this.test(pfn, PG_locked)) return false;
    this.set(pfn, PG_locked);
    if (this.probe !== null) this.probe.folio_locked(pfn);
    return true;
  }

  unlock(pfn: number): void {
    assert(this.test(pfn, PG_locked), () => `unlock of unlocked folio ${pfn}`);
    this.clear(pfn, PG_locked);
    if (this.probe !== null) this.probe.folio_unlocked(pfn);
  }

  get(pfn: number): void {
    assert((this.refcount[pfn] as number) > 0, () => `get of folio ${pfn} without a reference`);
    this.refcount[pfn] = (this.refcount[pfn] as number) + 1;
  }

  /** folio_ref_add */
  ref_add(pfn: number, nr: number): void {
    assert((this.refcount[pfn] as number) > 0, () => `get of folio ${pfn} without a reference`);
    this.refcount[pfn] = (this.refcount[pfn] as number) + nr;
  }

  /** folio_ref_sub_and_test: drops `nr` references; true when none is left (the caller frees). */
  ref_sub(pfn: number, nr: number): boolean {
    const count = (this.refcount[pfn] as number) - nr;
    assert(count >= 0, () => `put of folio ${pfn} without a reference`);
    this.refcount[pfn] = count;
    return count === 0;
  }

  /** folio_put: drops a reference; true when it was the last (the caller frees). */
  put(pfn: number): boolean {
    const count = (this.refcount[pfn] as number) - 1;
    assert(count >= 0, () => `put of folio ${pfn} without a reference`);
    this.refcount[pfn] = count;
    return count === 0;
  }
}

/**
 * A doubly linked list of folios through their `lru` links (struct list_head). `head` is the
 * most recently added end (list_add), `tail` the oldest (lru_to_folio takes head->prev).
 */
export class FolioList {
  head = NIL;
  tail = NIL;
  /** Folios on the list. */
  count = 0;
  /** Pages on the list (folio_nr_pages summed): what the LRU sizes count. */
  pages = 0;

  constructor(private readonly folios: FolioTable) {}

  /** list_add: insert at the head. */
  add(pfn: number): void {
    const f = this.folios;
    assert(f.lru_next[pfn] === NIL && f.lru_prev[pfn] === NIL && this.head !== pfn, () => `folio ${pfn} already on a list`);
    f.lru_next[pfn] = this.head;
    if (this.head !== NIL) f.lru_prev[this.head] = pfn;
    else this.tail = pfn;
    this.head = pfn;
    this.count++;
    this.pages += 1 << (f.order[pfn] as number);
  }

  /** list_add_tail: insert at the tail. */
  add_tail(pfn: number): void {
    const f = this.folios;
    assert(f.lru_next[pfn] === NIL && f.lru_prev[pfn] === NIL && this.head !== pfn, () => `folio ${pfn} already on a list`);
    f.lru_prev[pfn] = this.tail;
    if (this.tail !== NIL) f.lru_next[this.tail] = pfn;
    else this.head = pfn;
    this.tail = pfn;
    this.count++;
    this.pages += 1 << (f.order[pfn] as number);
  }

  /** list_add_tail(new, &pos->lru): insert `pfn` just before `pos`, on the head's side. */
  add_before(pos: number, pfn: number): void {
    const f = this.folios;
    assert(f.lru_next[pfn] === NIL && f.lru_prev[pfn] === NIL && this.head !== pfn, () => `folio ${pfn} already on a list`);
    const prev = f.lru_prev[pos] as number;
    f.lru_next[pfn] = pos;
    f.lru_prev[pfn] = prev;
    f.lru_prev[pos] = pfn;
    if (prev !== NIL) f.lru_next[prev] = pfn;
    else this.head = pfn;
    this.count++;
    this.pages += 1 << (f.order[pfn] as number);
  }

  /** list_del */
  del(pfn: number): void {
    const f = this.folios;
    const prev = f.lru_prev[pfn] as number;
    const next = f.lru_next[pfn] as number;
    if (prev !== NIL) f.lru_next[prev] = next;
    else this.head = next;
    if (next !== NIL) f.lru_prev[next] = prev;
    else this.tail = prev;
    f.lru_prev[pfn] = NIL;
    f.lru_next[pfn] = NIL;
    this.count--;
    this.pages -= 1 << (f.order[pfn] as number);
  }

  /** Removes and returns the tail folio (lru_to_folio + list_del), or NIL. */
  pop_tail(): number {
    const pfn = this.tail;
    if (pfn !== NIL) this.del(pfn);
    return pfn;
  }

  /** list_splice: moves every folio of `other` to the head of this list, keeping their order. */
  splice(other: FolioList): void {
    while (other.tail !== NIL) this.add(other.pop_tail());
  }
}
