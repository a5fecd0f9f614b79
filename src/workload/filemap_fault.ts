/**
 * Page faults on file mappings (mm/filemap.c filemap_fault, mm/memory.c do_read_fault,
 * do_shared_fault, do_cow_fault and wp_page_copy), order-0 folios only. A miss reads a
 * readahead window around the fault. A shared mapping has write-notify (vma_wants_writenotify:
 * the file system accounts dirty pages and has ->page_mkwrite): a read fault maps the page
 * read-only, a write fault maps it writable and dirty and dirties the folio; the first write
 * to a read-only page (after a read, or after the flusher's folio_mkclean) takes
 * wp_page_shared. A fault that dirties a folio counts towards dirty throttling
 * (balance_dirty_pages_ratelimited).
 */
import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import { flush_tlb_page } from '../hw/arch_tlb.js';
import type { FileMapping } from '../mm/file_mapping.js';
import { NIL, PG_locked } from '../mm/folio.js';
import { PTE_ACCESSED, PTE_DIRTY, PTE_PRESENT, PTE_RW, type MmStruct, type Vma } from '../mm/mm_struct.js';
import { flush_wait, type Kernel, type ReclaimTask } from '../reclaim/kernel.js';
import { mem_cgroup_charge_fast } from '../reclaim/memcg_charge.js';
import { balance_dirty_pages_ratelimited } from '../reclaim/balance_dirty_pages.js';
import { alloc_pages_fast } from '../reclaim/page_alloc.js';
import { alloc_fault_folio, folio_lock, free_new_folio, map_new_anon_folio, VM_FAULT_MAJOR, VM_FAULT_OOM } from './fault.js';

/** The file VMA holding `vpn`, or null (an anonymous VMA, or none). */
export function file_vma_at(mm: MmStruct, vpn: number): Vma | null {
  const vma = mm.find_vma(vpn);
  return vma !== null && vma.file !== NIL ? vma : null;
}

/** A write to the present PTE at `vpn` needs a fault: a file page mapped read-only (MAP_PRIVATE, or MAP_SHARED after folio_mkclean). */
export function file_wp_fault(mm: MmStruct, vpn: number): boolean {
  return ((mm.pte[vpn] as number) & PTE_RW) === 0 && file_vma_at(mm, vpn) !== null;
}

/** The readahead window (read_ahead_kb = 128: ra_pages), in pages. */
export const RA_PAGES = 32;

/** A new locked page-cache folio at `index` (filemap_add_folio, then onto this CPU's LRU batch). */
function add_new_folio(k: Kernel, rt: ReclaimTask, file: FileMapping, pfn: number, index: number): void {
  const f = k.pgdat.folios;
  f.zero_filled[pfn] = 0;
  f.set(pfn, PG_locked);
  file.add_folio(pfn, index);
  k.pgdat.fbatches.folio_add_lru(rt.cpu, pfn, true);
}

/**
 * do_sync_mmap_readahead for a miss at `index` whose new folio is `pfn`: the window of
 * RA_PAGES around the fault (ra->start = index - ra_pages / 2), each uncached page of it a new
 * locked folio in the page cache (readahead allocations neither reclaim nor wait: the window
 * ends at the first that fails), the page cache holding their references. Returns the indices
 * to read, ascending, the fault's among them. Asynchronous readahead (PG_readahead) is not
 * modelled. `start` overrides where the window begins (read()'s window starts at the miss).
 */
export function readahead(k: Kernel, rt: ReclaimTask, mm: MmStruct, file: FileMapping, index: number, pfn: number, start = Math.max(0, index - RA_PAGES / 2)): number[] {
  const f = k.pgdat.folios;
  const end = Math.min(file.nr_pages, start + RA_PAGES);
  const indices: number[] = [];
  let stopped = false;
  for (let i = start; i < end; i++) {
    if (i === index) {
      add_new_folio(k, rt, file, pfn, index);
      indices.push(i);
      continue;
    }
    if (stopped || file.get_folio(i) !== NIL) continue;
    const page = alloc_pages_fast(k);
    if (page === NIL || !mem_cgroup_charge_fast(k, rt, page, mm.memcg_id)) {
      if (page !== NIL) free_new_folio(k, page);
      stopped = true;
      continue;
    }
    add_new_folio(k, rt, file, page, i);
    assert(!f.put(page), () => `readahead folio ${page} lost its page-cache reference`);
    indices.push(i);
  }
  return indices;
}

/**
 * The fault of a non-present PTE in a file VMA: filemap_fault finds the folio in the page
 * cache (waiting for its lock while a read is in flight), or allocates one, inserts it
 * (filemap_add_folio, onto the LRU) and reads it (a major fault, PGMAJFAULT); then a write
 * to a private mapping copies it to a new anonymous page (do_cow_fault), anything else maps
 * it (finish_fault: the fault's reference becomes the PTE's), a write to a shared mapping
 * dirtying the folio (do_shared_fault: folio_mark_dirty). Returns VM_FAULT_* bits; leaves
 * the PTE not present when the fault must be retried.
 */
export function* do_file_fault(k: Kernel, rt: ReclaimTask, mm: MmStruct, vma: Vma, vpn: number, write: boolean): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  const file = k.pgdat.mappings[vma.file] as FileMapping;
  const index = vma.pgoff + (vpn - vma.start_vpn);
  let major = 0;
  let pfn = file.get_folio(index);
  if (pfn !== NIL) {
    f.get(pfn);
    yield* folio_lock(k, rt, pfn);
    const gone = f.mapping[pfn] !== file.id || f.index[pfn] !== index;
    f.unlock(pfn);
    if (gone) {
      // Reclaimed meanwhile (it waited for the lock reclaim held): retry.
      k.pgdat.fbatches.folio_put(pfn);
      return 0;
    }
  } else {
    pfn = yield* alloc_fault_folio(k, rt, mm);
    if (pfn === NIL) return VM_FAULT_OOM;
    if (file.get_folio(index) !== NIL || ((mm.pte[vpn] as number) & PTE_PRESENT) !== 0) {
      free_new_folio(k, pfn);
      return 0;
    }
    const io = k.file_io;
    assert(io !== null, 'a file fault needs the file disk');
    yield* io.read_folios(rt.task, rt.cpu, file, readahead(k, rt, mm, file, index, pfn), pfn);
    k.pgdat.vm.pgmajfault++;
    major = VM_FAULT_MAJOR;
  }
  if (((mm.pte[vpn] as number) & PTE_PRESENT) !== 0) {
    k.pgdat.fbatches.folio_put(pfn);
    return major;
  }
  if (write && !vma.shared) {
    const copy = yield* alloc_fault_folio(k, rt, mm);
    k.pgdat.fbatches.folio_put(pfn);
    if (copy === NIL) return major | VM_FAULT_OOM;
    if (((mm.pte[vpn] as number) & PTE_PRESENT) !== 0) {
      free_new_folio(k, copy);
      return major;
    }
    rt.task.now_ns += k.machine.cost.clear_page_ns;
    map_new_anon_folio(k, rt.cpu, mm, vpn, copy, true);
    f.zero_filled[copy] = 0;
    return major;
  }
  f.mapcount[pfn] = (f.mapcount[pfn] as number) + 1;
  mm.pte[vpn] = PTE_PRESENT | PTE_ACCESSED | (vma.shared && write ? PTE_RW : 0) | (write ? PTE_DIRTY : 0);
  mm.pte_val[vpn] = pfn;
  // fault_dirty_shared_page: a folio this fault dirtied counts towards dirty throttling.
  if (write && file.mark_dirty(pfn)) yield* balance_dirty_pages_ratelimited(k, rt);
  return major;
}

/**
 * wp_page_shared (mm/memory.c) for a write to a page a shared file mapping maps read-only
 * (folio_mkclean write-protected it when the flusher cleaned the folio): the generic
 * ->page_mkwrite (filemap_page_mkwrite) locks the folio, checks it is still in the file
 * (else the fault is retried) and dirties it; the PTE becomes writable and dirty
 * (wp_page_reuse); then fault_dirty_shared_page's balance_dirty_pages_ratelimited.
 */
function* do_shared_wp_fault(k: Kernel, rt: ReclaimTask, mm: MmStruct, vma: Vma, vpn: number): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  const file = k.pgdat.mappings[vma.file] as FileMapping;
  const pfn = mm.pte_val[vpn] as number;
  f.get(pfn);
  yield* folio_lock(k, rt, pfn);
  const pte = mm.pte[vpn] as number;
  if (f.mapping[pfn] !== file.id || (pte & PTE_PRESENT) === 0 || mm.pte_val[vpn] !== pfn) {
    // Reclaimed or unmapped while it waited for the lock: the access faults anew.
    f.unlock(pfn);
    k.pgdat.fbatches.folio_put(pfn);
    return 0;
  }
  const dirtied = file.mark_dirty(pfn);
  mm.pte[vpn] = pte | PTE_RW | PTE_DIRTY | PTE_ACCESSED;
  f.unlock(pfn);
  k.pgdat.fbatches.folio_put(pfn);
  if (dirtied) yield* balance_dirty_pages_ratelimited(k, rt);
  return 0;
}

/**
 * do_wp_page for a write to a file page mapped read-only: wp_page_shared in a shared mapping;
 * in a private one, wp_page_copy: a new anonymous
 * copy replaces it (ptep_clear_flush of the old translation), the file folio losing this
 * mapping and its reference.
 */
export function* do_file_wp_fault(k: Kernel, rt: ReclaimTask, mm: MmStruct, vpn: number): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  k.pgdat.vm.pgfault++;
  rt.task.now_ns += k.machine.cost.page_fault_ns;
  const vma = file_vma_at(mm, vpn) as Vma;
  if (vma.shared) return yield* do_shared_wp_fault(k, rt, mm, vma, vpn);
  const copy = yield* alloc_fault_folio(k, rt, mm);
  if (copy === NIL) return VM_FAULT_OOM;
  const pte = mm.pte[vpn] as number;
  if ((pte & PTE_PRESENT) === 0 || (pte & PTE_RW) !== 0) {
    // Reclaim unmapped it meanwhile (or another thread copied it): the access faults anew.
    free_new_folio(k, copy);
    return 0;
  }
  const old = mm.pte_val[vpn] as number;
  mm.pte[vpn] = 0;
  if (k.probe !== null) k.probe.pte_cleared(mm, vpn, old, pte, false, rt.cpu);
  rt.task.now_ns = flush_tlb_page(k.machine, rt.cpu, rt.task.now_ns, mm.context, vpn);
  rt.task.now_ns += k.machine.cost.clear_page_ns;
  map_new_anon_folio(k, rt.cpu, mm, vpn, copy, true);
  f.zero_filled[copy] = 0;
  // The kernel installs the copy after the flush's calls ran, under the PTE lock; here the
  // copy goes in first and the flush's remote calls run before the old folio loses this
  // mapping and its reference (until then reclaim cannot free it under a CPU that still
  // translates it).
  if (flush_wait(k, rt)) yield Yield.resume;
  f.mapcount[old] = (f.mapcount[old] as number) - 1;
  k.pgdat.fbatches.folio_put(old);
  return 0;
}
