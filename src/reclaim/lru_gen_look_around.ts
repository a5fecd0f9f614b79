/**
 * lru_gen_look_around (mm/vmscan.c, 6.12), which folio_referenced_one calls under the
 * multi-gen LRU for each young PTE instead of ptep_clear_flush_young: it clears that PTE's
 * accessed bit and, in a window of up to MIN_LRU_BATCH PTEs around it (inside the VMA and the
 * PMD), the bits of the young neighbours of the same cgroup, all without a TLB flush
 * (ptep_clear_young_notify: x86's ptep_test_and_clear_young does not flush, nor does the
 * classic path's ptep_clear_flush_young on x86). A dirty neighbour PTE marks its folio dirty
 * (folio_mark_dirty, with the page cache's accounting) unless it is anon outside the swap
 * cache. Then, with a walk set for the reclaim pass (kswapd's node pass; direct reclaim after
 * an aging in the pass: lru_gen_mm_walk.ts), each neighbour goes to the youngest generation
 * by its gen bits, the sizes batched (folio_update_gen, update_batch_size; evict_folios
 * applies them); without one, an isolated neighbour gets PG_referenced (shrink_folio_list's
 * A6 keep) and one listed in an older generation has its refs cleared and is queued for
 * activation (folio_activate: to max_seq, PGACTIVATE). Last, the feedback from rmap walkers to
 * page-table walkers: when at least one PTE per cache line of the window was young
 * (suitable_to_scan), the PMD goes into the Bloom filter of max_seq, so the next non-forced
 * walk scans that PTE table (update_bloom_filter).
 */
import { PG_referenced, PG_workingset, LRU_REFS_MASK } from '../mm/folio.js';
import { folio_is_file_lru, folio_lru_gen, folio_update_gen, lru_gen_from_seq, LRU_GEN_FILE, MIN_LRU_BATCH, type LruGenFolio } from '../mm/lru_gen.js';
import { PTE_ACCESSED, PTE_DIRTY, PTE_PMD, PTE_PRESENT, PTRS_PER_PTE, type MmStruct } from '../mm/mm_struct.js';
import type { Kernel } from './kernel.js';
import { pmd_item, update_bloom_filter } from './lru_gen_bloom.js';
import { update_batch_size, type LruGenMmWalk } from './lru_gen_mm_walk.js';
import { carry_dirty, get_pfn_folio, suitable_to_scan } from './lru_gen_walk.js';

/**
 * lru_gen_look_around for the PTE at `vpn` of `mm` mapping a page of folio `pfn`, by the
 * reclaimer on `cpu` with its pass's `walk` (or null): false if the PTE was not young;
 * otherwise clears it and its young neighbours as above, and returns true.
 */
export function lru_gen_look_around(k: Kernel, cpu: number, walk: LruGenMmWalk | null, mm: MmStruct, vpn: number, pfn: number): boolean {
  const pte = mm.pte[vpn] as number;
  if ((pte & PTE_ACCESSED) === 0) return false;
  mm.pte[vpn] = pte & ~PTE_ACCESSED;
  const vma = mm.find_vma(vpn);
  if (vma === null) return true;
  const f = k.pgdat.folios;
  const memcg = f.memcg[pfn] as number;
  const can_swap = folio_is_file_lru(f, pfn) !== LRU_GEN_FILE;
  const lrugen = k.pgdat.lruvecs[memcg]?.lrugen as LruGenFolio;
  const max_seq = lrugen.max_seq;
  const new_gen = lru_gen_from_seq(max_seq);
  const pmd_start = vpn - (vpn % PTRS_PER_PTE);
  let start = Math.max(pmd_start, vma.start_vpn);
  let end = Math.min(pmd_start + PTRS_PER_PTE, vma.end_vpn);
  if (end - start === 1) return true;
  if (end - start > MIN_LRU_BATCH) {
    if (vpn - start < MIN_LRU_BATCH / 2) end = start + MIN_LRU_BATCH;
    else if (end - vpn < MIN_LRU_BATCH / 2) start = end - MIN_LRU_BATCH;
    else {
      start = vpn - MIN_LRU_BATCH / 2;
      end = vpn + MIN_LRU_BATCH / 2;
    }
  }
  let young = 1;
  for (let addr = start; addr < end; addr++) {
    const ptent = mm.pte[addr] as number;
    // get_pte_pfn: present and young (no MMU notifiers), a page of this node.
    if ((ptent & (PTE_PRESENT | PTE_ACCESSED)) !== (PTE_PRESENT | PTE_ACCESSED) || (ptent & PTE_PMD) !== 0) continue;
    // get_pfn_folio: same cgroup; an anon folio only when the first one could be swapped.
    const folio = get_pfn_folio(k, mm.pte_val[addr] as number, memcg, can_swap);
    if (folio < 0) continue;
    mm.pte[addr] = ptent & ~PTE_ACCESSED;
    young++;
    if ((ptent & PTE_DIRTY) !== 0) carry_dirty(k, folio);
    if (walk !== null) {
      const old_gen = folio_update_gen(f, folio, new_gen);
      if (old_gen >= 0 && old_gen !== new_gen) update_batch_size(walk, f, folio, old_gen, new_gen);
      continue;
    }
    const old_gen = folio_lru_gen(f, folio);
    if (old_gen < 0) {
      f.set(folio, PG_referenced);
    } else if (old_gen !== new_gen) {
      f.flags[folio] = (f.flags[folio] as number) & ~(LRU_REFS_MASK | PG_referenced | PG_workingset);
      k.pgdat.fbatches.folio_activate(cpu, folio);
    }
  }
  if (suitable_to_scan(end - start, young)) update_bloom_filter(lrugen.mm_state, max_seq, pmd_item(mm, vpn));
  return true;
}
