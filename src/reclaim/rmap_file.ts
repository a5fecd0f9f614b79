/**
 * The reverse map of page-cache folios (mm/rmap.c rmap_walk_file): a file folio at index i
 * is mapped, in every VMA of the file's i_mmap covering i, at vma.start + (i - pgoff). One
 * folio may thus be mapped by several processes: try_to_unmap clears each of their PTEs,
 * each mm with its own deferred flush in the reclaimer's batch. Order-0 folios only.
 */
import { Yield } from '../engine/simulator.js';
import { flush_tlb_page } from '../hw/arch_tlb.js';
import type { FileMapping, FileVma } from '../mm/file_mapping.js';
import { PTE_ACCESSED, PTE_DIRTY, PTE_PRESENT, PTE_PMD, PTE_RW, type MmStruct } from '../mm/mm_struct.js';
import { flush_wait, type Kernel, type ReclaimTask } from './kernel.js';
import { lru_gen_look_around } from './lru_gen_look_around.js';
import type { LruGenMmWalk } from './lru_gen_mm_walk.js';
import { set_tlb_ubc_flush_pending, should_defer_flush } from './tlb_batch.js';

/** The file mapping a page-cache folio is in. */
function folio_file(k: Kernel, pfn: number): FileMapping {
  return k.pgdat.mappings[k.pgdat.folios.mapping[pfn] as number] as FileMapping;
}

/** vma_address: where the VMA maps file page `index`, or -1 when it does not cover it. */
function vma_address(fv: FileVma, index: number): number {
  const vpn = fv.vma.start_vpn + (index - fv.vma.pgoff);
  return vpn >= fv.vma.start_vpn && vpn < fv.vma.end_vpn ? vpn : -1;
}

/** Whether `mm` maps `pfn` at `vpn` by a present PTE. */
function maps(mm: MmStruct, vpn: number, pfn: number): boolean {
  return vpn >= 0 && ((mm.pte[vpn] as number) & (PTE_PRESENT | PTE_PMD)) === PTE_PRESENT && mm.pte_val[vpn] === pfn;
}

/**
 * try_to_unmap_one over rmap_walk_file (kernel-spec B1, B2 for a file folio): each PTE
 * mapping the folio is cleared, its flush deferred to the task's batch when
 * should_defer_flush allows (else flushed now); a dirty PTE dirties the folio
 * (folio_mark_dirty); no swap entry is left — the page cache keeps the data; the mapping
 * and its folio reference are dropped (MM_FILEPAGES is not kept).
 */
export function try_to_unmap_file(k: Kernel, rt: ReclaimTask, pfn: number, flags: number): void {
  const f = k.pgdat.folios;
  const file = folio_file(k, pfn);
  const index = f.index[pfn] as number;
  for (const fv of file.i_mmap) {
    if (f.mapcount[pfn] === 0) return;
    const vpn = vma_address(fv, index);
    const mm = k.pgdat.mms[fv.mm_id] as MmStruct;
    if (!maps(mm, vpn, pfn)) continue;
    const pteval = mm.pte[vpn] as number;
    mm.pte[vpn] = 0;
    const deferred = should_defer_flush(k, mm, rt.cpu, flags);
    if (k.probe !== null) k.probe.pte_cleared(mm, vpn, pfn, pteval, deferred, rt.cpu);
    if (deferred) set_tlb_ubc_flush_pending(k, rt, mm, pteval, vpn);
    else rt.task.now_ns = flush_tlb_page(k.machine, rt.cpu, rt.task.now_ns, mm.context, vpn);
    if ((pteval & PTE_DIRTY) !== 0) file.mark_dirty(pfn);
    mm.pte_val[vpn] = 0;
    f.mapcount[pfn] = (f.mapcount[pfn] as number) - 1;
    f.put(pfn);
  }
}

/**
 * folio_referenced over rmap_walk_file (B9): the young PTEs mapping the folio, their accessed
 * bits cleared; under the multi-gen LRU each through lru_gen_look_around (by the reclaimer on
 * `cpu`, with its pass's `walk`), which also clears the young neighbours' bits.
 */
export function folio_referenced_file(k: Kernel, pfn: number, cpu: number, walk: LruGenMmWalk | null): number {
  const f = k.pgdat.folios;
  const file = folio_file(k, pfn);
  const index = f.index[pfn] as number;
  const lru_gen = k.pgdat.lru_gen_enabled;
  let referenced = 0;
  for (const fv of file.i_mmap) {
    const vpn = vma_address(fv, index);
    const mm = k.pgdat.mms[fv.mm_id] as MmStruct;
    if (!maps(mm, vpn, pfn)) continue;
    if (lru_gen) {
      if (lru_gen_look_around(k, cpu, walk, mm, vpn, pfn)) referenced++;
      continue;
    }
    const pteval = mm.pte[vpn] as number;
    if ((pteval & PTE_ACCESSED) === 0) continue;
    mm.pte[vpn] = pteval & ~PTE_ACCESSED;
    referenced++;
  }
  return referenced;
}

/**
 * folio_mkclean (mm/rmap.c) of a locked page-cache folio, over rmap_walk_file: in each shared
 * VMA (invalid_mkclean_vma skips private ones) whose PTE maps the folio dirty or writable,
 * page_vma_mkclean_one write-protects and cleans it — ptep_clear_flush, so flush_tlb_page at
 * once (x86: pte_accessible, the PTE is present), then set_pte_at of the clean read-only
 * entry — waiting for the flush's remote calls before the next PTE. Returns the PTEs cleaned.
 * The model sets the new entry before the flush (the PTE lock, held across both in the
 * kernel, keeps any fault of that page waiting meanwhile; here the folio lock does).
 */
export function* folio_mkclean(k: Kernel, rt: ReclaimTask, pfn: number): Generator<Yield, number, void> {
  const f = k.pgdat.folios;
  const file = folio_file(k, pfn);
  const index = f.index[pfn] as number;
  let cleaned = 0;
  for (const fv of file.i_mmap) {
    if (!fv.vma.shared) continue;
    const vpn = vma_address(fv, index);
    const mm = k.pgdat.mms[fv.mm_id] as MmStruct;
    if (!maps(mm, vpn, pfn)) continue;
    const pteval = mm.pte[vpn] as number;
    if ((pteval & (PTE_DIRTY | PTE_RW)) === 0) continue;
    mm.pte[vpn] = pteval & ~(PTE_DIRTY | PTE_RW);
    rt.task.now_ns += k.machine.cost.change_pte_ns;
    if (k.probe !== null) {
      k.probe.pte_cleared(mm, vpn, pfn, pteval, false, rt.cpu);
      k.probe.mkclean_pte(pfn);
    }
    if (!k.mutants.mkclean_skips_flush) rt.task.now_ns = flush_tlb_page(k.machine, rt.cpu, rt.task.now_ns, mm.context, vpn);
    if (flush_wait(k, rt)) yield Yield.resume;
    cleaned++;
  }
  return cleaned;
}
