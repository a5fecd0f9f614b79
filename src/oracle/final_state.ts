/**
 * The oracle's end-of-run checks (DESIGN.md section 5): the accounting a finished run must
 * balance — nothing locked, under writeback or isolated, free pages, swap references, refcounts
 * and memcg charges adding up — and every page read back, as a program verifying its memory
 * would, against the last version written.
 */
import type { Kernel } from '../reclaim/kernel.js';
import { NIL, PG_dirty, PG_locked, PG_lru, PG_writeback } from '../mm/folio.js';
import { PTE_DIRTY, PTE_PRESENT, PTE_RW, PTE_SWAP, type MmStruct } from '../mm/mm_struct.js';
import { SWAP_HAS_CACHE } from '../mm/swap.js';
import { FileMapping } from '../mm/file_mapping.js';
import { SWAP_STORE_DEVICE, SWAP_STORE_ZEROMAP, SWAP_STORE_ZSWAP } from '../block/probe.js';
import type { FileData } from './file_data.js';
import { check_final_refcounts } from './folio_checks.js';
import { STORE_NAMES, type SwapData } from './swap_data.js';
import type { ViolationCode } from './violations.js';

/** The oracle's shadow state the checks read. */
export interface FinalStateView {
  k: Kernel;
  /** Per frame: the data version it holds. */
  frame_version: Float64Array;
  /** Per mm: the last version written to each page (none: never written). */
  written_version: ReadonlyMap<number, Float64Array>;
  swap_data: SwapData;
  file_data: FileData;
}

/** Reports a finding at the end of the run. */
export type Report = (code: ViolationCode, folio: number, detail: string) => void;

/** The store a swap-in of the slot reads from, as swap_read_folio chooses it. */
function swap_store_of(k: Kernel, slot: number): number {
  const swap = k.pgdat.swap;
  if (swap.zeromap[slot] === 1) return SWAP_STORE_ZEROMAP;
  return swap.zswapped[slot] === 1 ? SWAP_STORE_ZSWAP : SWAP_STORE_DEVICE;
}

/** Checks the state a finished run must be in: nothing locked, isolated, or unaccounted; every page reads back what was last written. */
export function check_final_state(o: FinalStateView, report: Report): void {
  const k = o.k;
  const f = k.pgdat.folios;
  let used = 0;
  let used_pages = 0;
  let on_lru = 0;
  for (let pfn = 0; pfn < f.nr_pages; pfn++) {
    if (f.refcount[pfn] === 0) continue;
    used++;
    used_pages += f.nr(pfn);
    if (f.test(pfn, PG_locked)) report('LEFT_LOCKED', pfn, 'locked at the end of the run');
    if (f.test(pfn, PG_writeback)) report('LEFT_UNDER_WRITEBACK', pfn, 'under writeback at the end of the run');
    if (f.test(pfn, PG_lru)) on_lru++;
  }
  // Leaked folios keep a refcount of 0 (seed-v1) or 1 (seed-v2) without being free: count
  // the frames that are neither free nor in use by anything.
  const leaked = f.nr_pages - f.nr_free_pages - used_pages;
  if (leaked !== 0) report('FREE_PAGES_MISMATCH', NIL, `${f.nr_free_pages} free + ${used_pages} in use != ${f.nr_pages} pages`);
  const waiting = on_lru + k.pgdat.fbatches.nr_batched();
  if (waiting < used) report('LEFT_ISOLATED', NIL, `${used - waiting} folio(s) in use are neither on an LRU nor in an LRU batch`);
  const swap = k.pgdat.swap;
  let swap_ptes = 0;
  for (const mm of k.pgdat.mms) {
    for (const vma of mm.vmas) {
      for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) {
        if (((mm.pte[vpn] as number) & PTE_SWAP) === 0) continue;
        swap_ptes++;
        if (swap.swap_count(mm.pte_val[vpn] as number) === 0) report('SWAP_ACCOUNTING', NIL, `mm ${mm.id} vpn ${vpn}: swap PTE on a free slot`);
      }
    }
  }
  let slot_refs = 0;
  for (let slot = 0; slot < swap.nr_slots; slot++) {
    slot_refs += swap.swap_count(slot);
    if (((swap.swap_map[slot] as number) & SWAP_HAS_CACHE) !== 0 && swap.swap_cache[slot] === NIL) {
      report('SWAP_ACCOUNTING', NIL, `slot ${slot} marked cached without a folio`);
    }
  }
  if (slot_refs !== swap_ptes) report('SWAP_ACCOUNTING', NIL, `slot references ${slot_refs} != swap PTEs ${swap_ptes}`);
  check_final_refcounts(f, k.pgdat.fbatches, (pfn, detail) => report('REFCOUNT_MISMATCH', pfn, detail));
  check_memcgs(k, report);
  verify_data(o, report);
}

/**
 * Each cgroup's memory.current must be the pages charged to it, its page tables and slab and its per-CPU stocks; a
 * folio still charged whose last reference is gone was never uncharged (the cgroup side of
 * a leak: memory.current stays high).
 */
function check_memcgs(k: Kernel, report: Report): void {
  const f = k.pgdat.folios;
  for (const memcg of k.pgdat.memcgs) {
    if (memcg === null) continue;
    let charged = 0;
    let leaked = 0;
    let first_leaked = NIL;
    for (let pfn = 0; pfn < f.nr_pages; pfn++) {
      if (f.memcg[pfn] !== memcg.id) continue;
      charged += f.nr(pfn);
      if (f.refcount[pfn] === 0) {
        leaked += f.nr(pfn);
        if (first_leaked === NIL) first_leaked = pfn;
      }
    }
    if (leaked > 0) report('MEMCG_CHARGE_LEAK', first_leaked, `memcg ${memcg.name}: ${leaked} page(s) charged but no longer in use (never uncharged)`);
    if (charged + memcg.pagetables + memcg.slab + memcg.stocked() !== memcg.usage) {
      report('MEMCG_ACCOUNTING', NIL, `memcg ${memcg.name}: memory.current ${memcg.usage} pages != ${charged} charged + ${memcg.pagetables} page tables + ${memcg.slab} slab + ${memcg.stocked()} in per-CPU stocks`);
    }
  }
}

/** Whether a present, dirty PTE of a shared mapping of `file` maps `pfn` (its dirty bit still to reach the folio). */
function dirty_pte_maps(k: Kernel, file: FileMapping, pfn: number): boolean {
  const f = k.pgdat.folios;
  const index = f.index[pfn] as number;
  for (const fv of file.i_mmap) {
    const vpn = fv.vma.start_vpn + (index - fv.vma.pgoff);
    if (vpn < fv.vma.start_vpn || vpn >= fv.vma.end_vpn) continue;
    const mm = k.pgdat.mms[fv.mm_id] as MmStruct;
    const pte = mm.pte[vpn] as number;
    if ((pte & (PTE_PRESENT | PTE_DIRTY)) === (PTE_PRESENT | PTE_DIRTY) && mm.pte_val[vpn] === pfn) return true;
  }
  return false;
}

/**
 * Reads every page back, as a program verifying its memory would: a mapped page must hold
 * the last version written; a swapped one too, from its swap-cache folio if that is dirty,
 * and also from the slot if the folio is clean (reclaim may drop a clean folio at any time).
 */
function verify_data(o: FinalStateView, report: Report): void {
  const k = o.k;
  const f = k.pgdat.folios;
  const swap = k.pgdat.swap;
  for (const mm of k.pgdat.mms) {
    // An address space no user access wrote to holds its populated data (version 0).
    const versions = o.written_version.get(mm.id);
    for (const vma of mm.vmas) {
      for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) {
        const file_read = vma.file === NIL ? null : o.file_data.read_back(mm, vma, vpn);
        if (file_read !== null) {
          const [seen, expected, frame] = file_read;
          if (seen !== expected) report('LOST_WRITE', frame, `mm ${mm.id} vpn ${vpn} (file page) reads back version ${seen}, last written ${expected}`);
          continue;
        }
        const expected = versions === undefined ? 0 : (versions[vpn] as number);
        const pte = mm.pte[vpn] as number;
        const val = mm.pte_val[vpn] as number;
        let seen: number;
        if ((pte & PTE_PRESENT) !== 0) seen = o.frame_version[val] as number;
        else if ((pte & PTE_SWAP) === 0) seen = 0; // never touched: reads the zero page
        else {
          const cached = swap.swap_cache[val] as number;
          if (cached !== NIL && f.test(f.folio_head(cached), PG_dirty)) seen = o.frame_version[cached] as number;
          else if (cached !== NIL && o.frame_version[cached] !== expected) seen = o.frame_version[cached] as number;
          else {
            const stored = o.swap_data.version(val, swap_store_of(k, val));
            if (stored === null) {
              report('SWAP_DATA_MISSING', NIL, `mm ${mm.id} vpn ${vpn}: its slot ${val} reads from the ${STORE_NAMES[swap_store_of(k, val)]}, where nothing was stored`);
              continue;
            }
            seen = stored;
          }
        }
        if (seen !== expected) report('LOST_WRITE', (pte & PTE_PRESENT) !== 0 ? val : NIL, `mm ${mm.id} vpn ${vpn} reads back version ${seen}, last written ${expected}`);
      }
    }
  }
  // Write-notify's invariant: a shared file PTE is made writable only by a fault that dirties
  // its folio, and folio_mkclean write-protects it before the folio is cleaned; so a folio a
  // writable or dirty shared PTE maps is dirty (no folio is locked at the end).
  for (const mm of k.pgdat.mms) {
    if (!mm.has_file_vmas) continue;
    for (const vma of mm.vmas) {
      if (vma.file === NIL || !vma.shared) continue;
      for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) {
        const pte = mm.pte[vpn] as number;
        if ((pte & PTE_PRESENT) === 0 || (pte & (PTE_RW | PTE_DIRTY)) === 0) continue;
        const pfn = mm.pte_val[vpn] as number;
        if (!f.test(pfn, PG_dirty)) report('DIRTY_ACCOUNTING', pfn, `mm ${mm.id} vpn ${vpn}: a ${(pte & PTE_DIRTY) !== 0 ? 'dirty' : 'writable'} shared PTE maps a clean file folio`);
      }
    }
  }
  // Every file page through the page cache: those no one maps, and clean cached folios
  // holding data the disk does not have (reclaim would drop the write with them).
  for (const mapping of k.pgdat.mappings) {
    if (!(mapping instanceof FileMapping)) continue;
    const mapped = mapping.i_mmap.length > 0;
    o.file_data.read_back_file(mapping, mapped, (pfn) => dirty_pte_maps(k, mapping, pfn), (index, seen, expected, pfn, clean_cached) => {
      const how = clean_cached ? `its clean cached folio holds version ${expected}, the disk ${seen}: reclaim may drop it` : `reads back version ${seen}, last written ${expected}`;
      report('LOST_WRITE', pfn, `file ${mapping.name} page ${index}: ${how}`);
    });
  }
}
