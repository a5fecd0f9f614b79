import { assert } from '../engine/assert.js';
import { PG_reclaim, PG_writeback } from './folio.js';
import type { PgData } from './pgdat.js';

/**
 * folio_end_writeback (mm/filemap.c; kernel-spec F7) on `cpu`: a PG_reclaim folio is offered
 * to folio_rotate_reclaimable (moved to the inactive tail later, when the per-CPU batch
 * drains), then PG_writeback clears.
 */
export function folio_end_writeback(pgdat: PgData, cpu: number, pfn: number): void {
  const f = pgdat.folios;
  assert(f.test(pfn, PG_writeback), () => `end of writeback on folio ${pfn} not under writeback`);
  if (f.test_clear(pfn, PG_reclaim)) pgdat.fbatches.folio_rotate_reclaimable(cpu, pfn);
  f.clear(pfn, PG_writeback);
}
