/**
 * read() and write() of one page of a file through the page cache, without mapping it
 * (mm/filemap.c filemap_read and generic_perform_write, 6.12), order-0 folios only: what a
 * process doing pread/pwrite of 4 KiB at page-aligned offsets costs and does.
 */
import { assert } from '../engine/assert.js';
import type { Yield } from '../engine/simulator.js';
import type { FileMapping } from '../mm/file_mapping.js';
import { NIL, PG_locked, PG_uptodate } from '../mm/folio.js';
import type { MmStruct } from '../mm/mm_struct.js';
import { balance_dirty_pages_ratelimited } from '../reclaim/balance_dirty_pages.js';
import type { Kernel, ReclaimTask } from '../reclaim/kernel.js';
import { alloc_fault_folio, folio_lock, free_new_folio, VM_FAULT_MAJOR, VM_FAULT_OOM } from './fault.js';
import { readahead } from './filemap_fault.js';

/** A bound on the retries of one page lookup (the folio reclaimed while it waited, again and again). */
const RETRIES_MAX = 1_000_000;

/**
 * The cached folio at `index` with a reference, looked up again when reclaim took it
 * meanwhile; NIL when none is cached. `for_write` (write_begin: filemap_get_folio +
 * folio_lock) returns it locked. A read (filemap_get_pages) takes an uptodate folio without
 * its lock (filemap_get_read_batch) and waits for a read in flight by locking and unlocking
 * it (filemap_update_page).
 */
function* find_get_folio(k: Kernel, rt: ReclaimTask, file: FileMapping, index: number, for_write: boolean): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  for (let retry = 0; ; retry++) {
    assert(retry < RETRIES_MAX, () => `file ${file.name}: page ${index} never stays cached`);
    const pfn = file.get_folio(index);
    if (pfn === NIL) return NIL;
    f.get(pfn);
    if (!for_write && f.test(pfn, PG_uptodate)) return pfn;
    yield* folio_lock(k, rt, pfn);
    const cached = f.mapping[pfn] === file.id && f.index[pfn] === index;
    if (cached && for_write) return pfn;
    f.unlock(pfn);
    if (cached && f.test(pfn, PG_uptodate)) return pfn;
    k.pgdat.fbatches.folio_put(pfn);
  }
}

/**
 * write() of page `index` of `file` by a task of `mm` (generic_perform_write for one whole
 * page): ->write_begin finds the folio or creates it (__filemap_get_folio with FGP_CREAT: a new
 * locked folio in the page cache and on the LRU; a whole-page write needs no read), the data is
 * copied in (copy_from_user), ->write_end marks it uptodate and dirty (folio_mark_dirty), the
 * folio is unlocked; then balance_dirty_pages_ratelimited. Returns VM_FAULT_OOM when no page
 * could be had (the task was OOM-killed), else 0.
 */
export function* file_write_page(k: Kernel, rt: ReclaimTask, mm: MmStruct, file: FileMapping, index: number): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  const cost = k.machine.cost;
  rt.task.now_ns += cost.syscall_ns;
  let pfn = yield* find_get_folio(k, rt, file, index, true);
  if (pfn === NIL) {
    pfn = yield* alloc_fault_folio(k, rt, mm);
    if (pfn === NIL) return VM_FAULT_OOM;
    if (file.get_folio(index) !== NIL) {
      // Another task cached it while this one waited for memory: write that one.
      free_new_folio(k, pfn);
      return yield* file_write_page(k, rt, mm, file, index);
    }
    f.zero_filled[pfn] = 0;
    f.set(pfn, PG_locked);
    file.add_folio(pfn, index);
    k.pgdat.fbatches.folio_add_lru(rt.cpu, pfn);
  }
  rt.task.now_ns += cost.copy_page_ns;
  f.set(pfn, PG_uptodate);
  if (k.probe !== null) k.probe.file_written(pfn, file.id, index);
  const dirtied = file.mark_dirty(pfn);
  f.unlock(pfn);
  k.pgdat.fbatches.folio_put(pfn);
  if (dirtied) yield* balance_dirty_pages_ratelimited(k, rt);
  return 0;
}

/**
 * read() of page `index` of `file` by a task of `mm` (filemap_read for one page): a cached
 * uptodate folio is copied out without its lock (one whose read is in flight is waited for
 * by locking it, see find_get_folio); a miss
 * reads the readahead window from the page (page_cache_sync_ra; the window is ra_pages, the
 * size a sequential reader reaches — its ramp-up and the asynchronous marker are not
 * modelled) and waits for the page. mark_page_accessed is not modelled. Returns
 * VM_FAULT_MAJOR when it read from the disk, VM_FAULT_OOM when no page could be had.
 */
export function* file_read_page(k: Kernel, rt: ReclaimTask, mm: MmStruct, file: FileMapping, index: number): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  const cost = k.machine.cost;
  rt.task.now_ns += cost.syscall_ns;
  let pfn = yield* find_get_folio(k, rt, file, index, false);
  let major = 0;
  if (pfn === NIL) {
    pfn = yield* alloc_fault_folio(k, rt, mm);
    if (pfn === NIL) return VM_FAULT_OOM;
    if (file.get_folio(index) !== NIL) {
      free_new_folio(k, pfn);
      return yield* file_read_page(k, rt, mm, file, index);
    }
    const io = k.file_io;
    assert(io !== null, 'a file read needs the file disk');
    // The new folio's allocation reference becomes the read's (the page cache takes its own).
    yield* io.read_folios(rt.task, rt.cpu, file, readahead(k, rt, mm, file, index, pfn, index), pfn);
    major = VM_FAULT_MAJOR;
  }
  assert(f.test(pfn, PG_uptodate), () => `file ${file.name}: read of page ${index} found it not uptodate`);
  rt.task.now_ns += cost.copy_page_ns;
  if (k.probe !== null) k.probe.file_read(pfn, file.id, index);
  k.pgdat.fbatches.folio_put(pfn);
  return major;
}
