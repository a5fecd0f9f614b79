import { NIL, PG_active, PG_locked, PG_lru, PG_mlocked, PG_swapcache, PG_unevictable, PG_writeback, type FolioTable } from '../mm/folio.js';
import type { CpuFbatches } from '../mm/lru.js';

/**
 * The flags free_pages_prepare checks (PAGE_FLAGS_CHECK_AT_FREE: a folio freed with one of
 * them is a bad page) and a swap-cache folio's mapping (a freed folio must have none), by name.
 */
const FLAGS_CHECKED_AT_FREE: readonly [number, string][] = [
  [PG_locked, 'PG_locked'],
  [PG_writeback, 'PG_writeback'],
  [PG_lru, 'PG_lru'],
  [PG_active, 'PG_active'],
  [PG_unevictable, 'PG_unevictable'],
  [PG_mlocked, 'PG_mlocked'],
  [PG_swapcache, 'PG_swapcache'],
];

const FLAGS_CHECKED_AT_FREE_MASK = FLAGS_CHECKED_AT_FREE.reduce((mask, [flag]) => mask | flag, 0);

/** The flags a folio being freed must not have, by name ('' when it has none). */
export function bad_flags_at_free(flags: number): string {
  if ((flags & FLAGS_CHECKED_AT_FREE_MASK) === 0) return '';
  return FLAGS_CHECKED_AT_FREE.filter(([flag]) => (flags & flag) !== 0).map(([, name]) => name).join('|');
}

/**
 * At the end of a run no task holds a folio: each folio in use has exactly the references of
 * its page-table mappings, the swap cache's or page cache's (one per page) and one per entry in a per-CPU LRU batch. Calls
 * `report` for each folio with more or fewer (a leaked or a stolen reference).
 */
export function check_final_refcounts(
  f: FolioTable,
  fbatches: CpuFbatches,
  report: (pfn: number, detail: string) => void,
): void {
  const batched = new Int32Array(f.nr_pages);
  fbatches.for_each_batched((pfn) => (batched[pfn] = (batched[pfn] as number) + 1));
  for (let pfn = 0; pfn < f.nr_pages; pfn++) {
    const refcount = f.refcount[pfn] as number;
    if (refcount === 0) continue;
    // add_to_swap_cache takes a reference per page of the folio (a tail page's count stays 0).
    const swapcache = f.test(pfn, PG_swapcache) && f.swap[pfn] !== NIL ? f.nr(pfn) : 0;
    // filemap_add_folio takes one too, per page.
    const pagecache = f.mapping[pfn] !== NIL ? f.nr(pfn) : 0;
    const expected = (f.mapcount[pfn] as number) + swapcache + pagecache + (batched[pfn] as number);
    if (refcount !== expected) {
      const cache = pagecache > 0 ? `${pagecache} page cache` : `${swapcache} swap cache`;
      report(pfn, `refcount ${refcount}, expected ${expected} (${f.mapcount[pfn]} mapping(s), ${cache}, ${batched[pfn]} LRU batch entr${batched[pfn] === 1 ? 'y' : 'ies'})`);
    }
  }
}
