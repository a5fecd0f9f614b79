import { assert } from '../engine/assert.js';
import { FileMapping } from '../mm/file_mapping.js';
import { NIL, PG_uptodate } from '../mm/folio.js';
import { PTE_ACCESSED, PTE_DIRTY, PTE_PRESENT, PTE_RW, type MmStruct, type Vma } from '../mm/mm_struct.js';
import type { Kernel } from '../reclaim/kernel.js';
import { populate_anon_page } from './fault.js';

/**
 * A regular file of `nr_pages` on the run's file disk (one contiguous extent), with an empty
 * page cache whose writeback goes through the disk (a_ops).
 */
export function create_file(k: Kernel, name: string, nr_pages: number): FileMapping {
  const io = k.file_io;
  assert(io !== null, 'a file needs the file disk (pageout.backing: file)');
  const first_block = io.alloc_extent(nr_pages);
  assert(first_block !== null, () => `file ${name} does not fit its disk`);
  const file = new FileMapping(k.pgdat.mappings.length, name, nr_pages, first_block, k.pgdat.folios, k.pgdat.vm);
  file.a_ops = io;
  file.wb = k.flusher;
  k.pgdat.mappings.push(file);
  io.files.push(file);
  return file;
}

/** mmap of `nr_pages` of `file` from page `pgoff`, MAP_SHARED or MAP_PRIVATE: the VMA joins the file's i_mmap. */
export function mmap_file(mm: MmStruct, file: FileMapping, pgoff: number, nr_pages: number, shared: boolean): Vma {
  assert(pgoff + nr_pages <= file.nr_pages, () => `mapping past the end of file ${file.name}`);
  const vma = mm.mmap_file(file.name, file.id, pgoff, nr_pages, shared);
  file.i_mmap.push({ mm_id: mm.id, vma });
  return vma;
}

/**
 * Setup before time starts, as populate_written for anonymous memory: every page of the
 * file VMA touched once, costing no simulated time and counting no event. A page not yet
 * cached is read into a new folio (uptodate, in the page cache, queued for the file LRU);
 * a read maps it (filemap_fault / filemap_map_pages: a PTE holding a reference); a write to a
 * shared mapping maps it dirty and dirties the folio (do_shared_fault: folio_mark_dirty); a
 * write to a private mapping copies it to a new anonymous page (do_cow_fault), leaving the
 * file folio cached and unmapped. The per-CPU LRU batch is drained at the end.
 */
export function populate_file(k: Kernel, cpu: number, mm: MmStruct, vma: Vma, file: FileMapping, write: boolean): void {
  const f = k.pgdat.folios;
  for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) {
    const index = vma.pgoff + (vpn - vma.start_vpn);
    let pfn = file.get_folio(index);
    // The reference the fault holds: a new folio's allocation reference, or one taken on a cached folio.
    if (pfn === NIL) {
      pfn = f.alloc();
      assert(pfn !== NIL, "out of memory while populating the scenario's file");
      f.zero_filled[pfn] = 0;
      assert(f.trylock(pfn), () => `new folio ${pfn} locked`);
      f.set(pfn, PG_uptodate);
      file.add_folio(pfn, index);
      f.unlock(pfn);
      k.pgdat.fbatches.folio_add_lru(cpu, pfn);
    } else {
      f.get(pfn);
    }
    if (write && !vma.shared) {
      // do_cow_fault: the copy is a new anonymous page; the fault's reference on the file folio is dropped.
      assert(!f.put(pfn), () => `file folio ${pfn} lost its page-cache reference`);
      populate_anon_page(k, cpu, mm, vpn, true);
      f.zero_filled[mm.pte_val[vpn] as number] = 0;
      continue;
    }
    f.mapcount[pfn] = (f.mapcount[pfn] as number) + 1;
    mm.pte[vpn] = PTE_PRESENT | PTE_ACCESSED | (vma.shared && write ? PTE_RW : 0) | (write ? PTE_DIRTY : 0);
    mm.pte_val[vpn] = pfn;
    if (write) file.mark_dirty(pfn);
  }
  mm.pte_tables_made(vma.start_vpn, vma.end_vpn);
  if (write && !vma.shared) mm.anon_vma_ready = true;
  k.pgdat.fbatches.lru_add_drain(cpu);
}
