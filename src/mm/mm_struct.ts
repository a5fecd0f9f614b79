import { MmContext } from '../hw/machine.js';
import { table } from '../engine/tables.js';

/** PTE bits (arch/x86 _PAGE_*), plus the software marks of a swap PTE. */
export const PTE_PRESENT = 1;
export const PTE_ACCESSED = 2;
export const PTE_DIRTY = 4;
export const PTE_RW = 8;
/** Not present, holding a swap entry in pte_val. */
export const PTE_SWAP = 16;
/** pte_swp_exclusive: the swapped page was exclusive to this mapping. */
export const PTE_SWP_EXCLUSIVE = 32;
/**
 * The slot lies under a PMD that maps a THP (pmd_trans_huge). A PMD mapping is kept as its
 * 512 slots, each present with this bit and naming its page in pte_val, so a user access
 * reads and marks a slot as it would a PTE; the PMD's accessed and dirty bits are the OR of
 * its slots' (pmd_young, pmd_dirty), and clearing them clears every slot's.
 */
export const PTE_PMD = 64;

/** vm_file of an anonymous VMA (NIL). */
const NIL_FILE = -1;

/** PTEs per page-table page (PTRS_PER_PTE): one PMD covers 512 pages, 2 MiB. */
export const PTRS_PER_PTE = 512;
/** log2(PTRS_PER_PTE): vpn >> PMD_SHIFT_PAGES is the PMD a page is under. */
export const PMD_SHIFT_PAGES = 9;
/** PMD entries per PMD table (PTRS_PER_PMD): one table covers 1 GiB. */
export const PTRS_PER_PMD = 512;
/** x86-64's direct map base (PAGE_OFFSET, 4-level paging, no KASLR). */
const PAGE_OFFSET = 0xffff888000000000n;
/** Made-up page frames of the model's PMD tables (see pmd_entry_kaddr): above 64 GiB, 64 per mm. */
const PGTABLE_PFN_BASE = 1 << 24;
const PMD_TABLES_PER_MM = 64;

/**
 * A mapping of an mm (struct vm_area_struct), in virtual page numbers [start_vpn, end_vpn):
 * anonymous private memory (vm_file NIL), or pages of a file from page `pgoff` on, shared
 * (MAP_SHARED: writes reach the page cache) or private (MAP_PRIVATE: a write copies the
 * page to an anonymous folio).
 */
export interface Vma {
  readonly start_vpn: number;
  readonly end_vpn: number;
  readonly name: string;
  /** thp_vma_allowable_orders: the folio orders above 0 its faults may allocate, as a bitmask. */
  readonly thp_orders: number;
  /** vma->vm_file: the id of the file's mapping in pgdat.mappings, or NIL for anonymous memory. */
  readonly file: number;
  /** vma->vm_pgoff: the file page mapped at start_vpn. */
  readonly pgoff: number;
  /** VM_SHARED */
  readonly shared: boolean;
}

/**
 * An address space (struct mm_struct): its VMAs, its page table (one byte of flags and one
 * value per virtual page: a pfn when present, a swap slot when swapped out), the
 * deferred-flush counters of `tlb_flush_batched` (kernel-spec B5, B12) and the arch context
 * with `mm_cpumask`.
 */
export class MmStruct {
  readonly context: MmContext;
  readonly vmas: Vma[] = [];
  readonly pte: Uint8Array;
  readonly pte_val: Int32Array;
  /** tlb_flush_batched: deferred unmaps queued (pending) and consumed by B12 (flushed). */
  tlb_flush_batched_pending = 0;
  tlb_flush_batched_flushed = 0;
  /** MM_ANONPAGES, MM_SWAPENTS */
  nr_anon_pages = 0;
  nr_swap_ents = 0;
  /** The memory cgroup of the mm's owner (get_mem_cgroup_from_mm); 0 is the root cgroup. */
  memcg_id = 0;
  /**
   * mm->lru_gen.bitmap (one node): used since the multi-gen LRU's last walk of it (set by
   * lru_gen_use_mm, cleared by the walk's get_next_mm).
   */
  lru_gen_bitmap = false;
  /**
   * The accessed bit of each PMD entry that points to a PTE table (pmd_young of a non-leaf
   * entry), by vpn >> 9: x86 sets it in every paging-structure entry a page walk uses, and a
   * new table's entry is made young (_PAGE_TABLE has _PAGE_ACCESSED), so it starts set; the
   * multi-gen LRU's walk clears it (walk_pmd_range_locked) and skips a table whose bit is still
   * clear at its next walk (CONFIG_ARCH_HAS_NONLEAF_PMD_YOUNG).
   */
  readonly pmd_young: Uint8Array;
  /**
   * Which PMDs point to a PTE table (or deposit one under a THP), by vpn >> 9: made by the
   * first fault under the PMD (pte_alloc, or do_huge_pmd_anonymous_page's deposit) and by the
   * setup, and kept (the model frees no page table). Its memcg charge is what the flag is for.
   */
  readonly pte_table: Uint8Array;
  /**
   * The mm's anon_vma exists (the model has one for all its VMAs): made by the first anonymous
   * fault (anon_vma_prepare, whose slab objects are charged to the task's cgroup), by the setup
   * or by fork (anon_vma_fork).
   */
  anon_vma_ready = false;
  /** Some VMA may fault in large folios (its thp_orders is not 0). */
  thp = false;
  /** Some VMA maps a file (the fault path then looks the VMA up). */
  has_file_vmas = false;
  /**
   * The anon_vma of the mm's VMAs (anon_vma.ts): the id of the mm whose anon_vma is the root
   * (its own, or the parent's for a forked child), and the children forked from this mm, whose
   * VMAs its anon_vma lists too.
   */
  anon_vma_root: number;
  readonly anon_vma_children: number[] = [];
  /**
   * Where mremap moved pages (the moved VMA's vm_pgoff, per page; anon_vma.ts): page index to
   * vpn + 1 and vpn to page index + 1, made on the first move; 0 where index and vpn agree.
   */
  index_vpn: Int32Array | null = null;
  vpn_index: Int32Array | null = null;
  private next_vpn = PTRS_PER_PTE;

  constructor(
    readonly id: number,
    nr_virtual_pages: number,
  ) {
    this.context = new MmContext(id);
    this.anon_vma_root = id;
    this.pte = table(Uint8Array, nr_virtual_pages + PTRS_PER_PTE);
    this.pte_val = table(Int32Array, nr_virtual_pages + PTRS_PER_PTE);
    this.pmd_young = table(Uint8Array, Math.ceil(this.pte.length / PTRS_PER_PTE)).fill(1);
    this.pte_table = table(Uint8Array, Math.ceil(this.pte.length / PTRS_PER_PTE));
  }

  /** The setup's faults (before time starts, uncharged) made the PTE tables of [start_vpn, end_vpn). */
  pte_tables_made(start_vpn: number, end_vpn: number): void {
    this.pte_table.fill(1, start_vpn >>> PMD_SHIFT_PAGES, ((end_vpn - 1) >>> PMD_SHIFT_PAGES) + 1);
  }

  /**
   * lru_gen_use_mm (include/linux/mm_types.h): the mm was switched in (context_switch into a
   * task of it, kernel/sched/core.c) or exec'd: the multi-gen LRU's next walk visits it.
   */
  lru_gen_use_mm(): void {
    this.lru_gen_bitmap = true;
  }

  /**
   * The kernel virtual address of the PMD entry covering `vpn` (pmd_offset), the item the
   * multi-gen LRU's Bloom filters hash: entry pmd_index(vpn) of the mm's PMD table for that
   * GiB, in the direct map (PAGE_OFFSET 0xffff888000000000, x86-64 without KASLR). The model
   * allocates no page-table pages, so a table's page frame is made up: PGTABLE_PFN_BASE +
   * mm id × PMD_TABLES_PER_MM + its GiB (a real kernel's come from the buddy allocator).
   */
  pmd_entry_kaddr(vpn: number): bigint {
    const gib = Math.floor(vpn / (PTRS_PER_PTE * PTRS_PER_PMD));
    const pfn = PGTABLE_PFN_BASE + this.id * PMD_TABLES_PER_MM + gib;
    const index = Math.floor(vpn / PTRS_PER_PTE) % PTRS_PER_PMD;
    return PAGE_OFFSET + BigInt(pfn) * 4096n + BigInt(index * 8);
  }

  /**
   * mmap of an anonymous region of `nr_pages`, 2 MiB-aligned (so it fills whole PMDs), whose
   * faults may allocate folios of the orders in `thp_orders`.
   */
  mmap_anon(name: string, nr_pages: number, thp_orders = 0): Vma {
    const start_vpn = this.next_vpn;
    const vma: Vma = { start_vpn, end_vpn: start_vpn + nr_pages, name, thp_orders, file: NIL_FILE, pgoff: 0, shared: false };
    if (thp_orders !== 0) this.thp = true;
    return this.insert_vma(vma);
  }

  /**
   * mmap of `nr_pages` of the file whose mapping is `file`, from file page `pgoff`, shared or
   * private; 2 MiB-aligned as mmap_anon. Only order-0 folios map files here.
   */
  mmap_file(name: string, file: number, pgoff: number, nr_pages: number, shared: boolean): Vma {
    const start_vpn = this.next_vpn;
    this.has_file_vmas = true;
    return this.insert_vma({ start_vpn, end_vpn: start_vpn + nr_pages, name, thp_orders: 0, file, pgoff, shared });
  }

  private insert_vma(vma: Vma): Vma {
    this.next_vpn = Math.ceil(vma.end_vpn / PTRS_PER_PTE) * PTRS_PER_PTE;
    if (this.next_vpn > this.pte.length) throw new RangeError(`mm ${this.id}: address space too small for ${vma.name}`);
    this.vmas.push(vma);
    return vma;
  }

  /** dup_mmap's copy of the VMAs: the child's address space is laid out as the parent's. */
  copy_vmas(parent: MmStruct): void {
    for (const vma of parent.vmas) this.vmas.push({ ...vma });
    this.next_vpn = parent.next_vpn;
    this.thp = parent.thp;
  }

  /** find_vma: the VMA holding `vpn`, or null. */
  find_vma(vpn: number): Vma | null {
    for (const vma of this.vmas) if (vpn >= vma.start_vpn && vpn < vma.end_vpn) return vma;
    return null;
  }
}
