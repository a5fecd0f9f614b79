import { assert } from '../engine/assert.js';
import type { Vma } from './mm_struct.js';
import { NIL, PG_dirty, PG_locked, PG_writeback, type FolioTable } from './folio.js';
import {
  DIRTY_WRITEBACK_DIRTY,
  DIRTY_WRITEBACK_WRITEBACK,
  type AddressSpace,
  type AddressSpaceOperations,
} from './address_space.js';
import type { VmEvents } from './vmstat.js';

/** A VMA mapping the file, and the mm it belongs to (an entry of mapping->i_mmap). */
export interface FileVma {
  readonly mm_id: number;
  readonly vma: Vma;
}

/**
 * The writeback side of the files (the flusher, reclaim/fs_writeback.ts), told when a clean
 * file becomes dirty (__mark_inode_dirty: the inode joins wb->b_dirty and the periodic
 * writeback is armed, wb_wakeup_delayed).
 */
export interface InodeWriteback {
  inode_dirtied(file: FileMapping): void;
}

/**
 * A regular file's page cache (struct address_space of its inode, mm/filemap.c): the file
 * is `nr_pages` long and lies on its disk as one contiguous extent from page-sized block
 * `first_block` (a simple filesystem: block = first_block + index). i_pages holds the folio
 * of each index (order 0 only), or a shadow entry (workingset_eviction) where reclaim
 * evicted one; i_mmap lists the VMAs mapping the file, the rmap of its folios.
 */
export class FileMapping implements AddressSpace {
  a_ops: AddressSpaceOperations | null = null;
  /** i_pages: the folio at each index, or NIL. */
  readonly i_pages: Int32Array;
  /** A shadow entry at each index whose folio reclaim evicted (1), else 0. */
  readonly shadow: Uint8Array;
  readonly i_mmap: FileVma[] = [];
  /** mapping->nrpages */
  nrpages = 0;
  /** Dirty folios in the page cache (the PAGECACHE_TAG_DIRTY entries); the inode is dirty while any. */
  nr_dirty = 0;
  /** inode->dirtied_when: when the file went from clean to dirty, ns (its data's age for dirty_expire_centisecs). */
  dirtied_when_ns = 0;
  /** mapping->writeback_index: where range-cyclic writeback resumes. */
  writeback_index = 0;
  /** The flusher, once the run has one. */
  wb: InodeWriteback | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly nr_pages: number,
    readonly first_block: number,
    private readonly folios: FolioTable,
    private readonly vm: VmEvents,
  ) {
    this.i_pages = new Int32Array(nr_pages).fill(NIL);
    this.shadow = new Uint8Array(nr_pages);
  }

  /** filemap_get_folio: the folio cached at `index`, or NIL. */
  get_folio(index: number): number {
    return this.i_pages[index] as number;
  }

  /**
   * filemap_add_folio (mm/filemap.c) of a locked new folio at `index`: the page cache takes a
   * reference, NR_FILE_PAGES counts it; a shadow entry found there makes this a refault
   * (workingset_refault: WORKINGSET_REFAULT_FILE; the refault distance is not modelled, so
   * the folio is never activated for it: no WORKINGSET_ACTIVATE). Returns whether it refaulted.
   */
  add_folio(pfn: number, index: number): boolean {
    const f = this.folios;
    assert(this.i_pages[index] === NIL, () => `file ${this.name}: index ${index} already cached`);
    assert(f.test(pfn, PG_locked), () => `filemap_add_folio of unlocked folio ${pfn}`);
    this.i_pages[index] = pfn;
    f.mapping[pfn] = this.id;
    f.index[pfn] = index;
    f.get(pfn);
    this.nrpages++;
    this.vm.nr_file_pages++;
    if (this.shadow[index] === 1) {
      this.shadow[index] = 0;
      this.vm.workingset_refault_file++;
      return true;
    }
    return false;
  }

  is_dirty_writeback(pfn: number): number {
    const f = this.folios;
    return (f.test(pfn, PG_dirty) ? DIRTY_WRITEBACK_DIRTY : 0) | (f.test(pfn, PG_writeback) ? DIRTY_WRITEBACK_WRITEBACK : 0);
  }

  /**
   * folio_mark_dirty of a page-cache folio (filemap_dirty_folio): PG_dirty set, and if it was
   * clean NR_FILE_DIRTY and NR_DIRTIED count it. Returns whether it was clean.
   */
  mark_dirty(pfn: number): boolean {
    const f = this.folios;
    if (f.test(pfn, PG_dirty)) return false;
    f.set(pfn, PG_dirty);
    this.vm.nr_dirty++;
    this.vm.nr_dirtied++;
    if (this.nr_dirty++ === 0 && this.wb !== null) this.wb.inode_dirtied(this);
    return true;
  }

  /**
   * The PG_dirty clearing of folio_clear_dirty_for_io (NR_FILE_DIRTY). Reclaim's pageout
   * calls it on an unmapped folio, where folio_mkclean has nothing to do; the flusher first
   * runs folio_mkclean (reclaim/page_writeback.ts).
   */
  clear_dirty_for_io(pfn: number): boolean {
    if (!this.folios.test_clear(pfn, PG_dirty)) return false;
    this.vm.nr_dirty--;
    this.nr_dirty--;
    return true;
  }

  /** __filemap_remove_folio, leaving a shadow entry when reclaim evicts it (workingset_eviction). */
  remove_folio(pfn: number, reclaimed: boolean): void {
    const f = this.folios;
    const index = f.index[pfn] as number;
    assert(this.i_pages[index] === pfn, () => `file ${this.name}: folio ${pfn} not cached at ${index}`);
    assert(!f.test(pfn, PG_dirty) && !f.test(pfn, PG_writeback), () => `removal of dirty or writeback folio ${pfn}`);
    this.i_pages[index] = NIL;
    if (reclaimed) this.shadow[index] = 1;
    f.mapping[pfn] = NIL;
    this.nrpages--;
    this.vm.nr_file_pages--;
  }
}
