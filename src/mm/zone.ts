import { assert } from '../engine/assert.js';

/** enum zone_watermarks */
export const WMARK_MIN = 0;
export const WMARK_LOW = 1;
export const WMARK_HIGH = 2;

/** PAGE_SHIFT - 10: KiB to pages. */
const KIB_PER_PAGE_SHIFT = 2;
/** Bounds of the computed min_free_kbytes (calculate_min_free_kbytes). */
const MIN_FREE_KBYTES_FLOOR = 128;
const MIN_FREE_KBYTES_CEILING = 262_144;
/** vm.watermark_scale_factor's default, in 1/10000 of the zone (mm/page_alloc.c). */
export const DEFAULT_WATERMARK_SCALE_FACTOR = 10;

/** int_sqrt: the integer square root, rounded down. */
export function int_sqrt(x: number): number {
  assert(Number.isSafeInteger(x) && x >= 0, () => `int_sqrt of ${x}`);
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/** mult_frac(x, numer, denom): x * numer / denom without overflowing, as the kernel macro. */
export function mult_frac(x: number, numer: number, denom: number): number {
  const quot = Math.floor(x / denom);
  const rem = x % denom;
  return quot * numer + Math.floor((rem * numer) / denom);
}

/**
 * calculate_min_free_kbytes (mm/page_alloc.c; kernel-spec E5): sqrt(lowmem_kbytes * 16),
 * clamped to [128 KiB, 256 MiB]. The model's one zone is all its lowmem.
 */
export function calculate_min_free_kbytes(managed_pages: number): number {
  const lowmem_kbytes = managed_pages * (1 << KIB_PER_PAGE_SHIFT);
  return Math.min(MIN_FREE_KBYTES_CEILING, Math.max(MIN_FREE_KBYTES_FLOOR, int_sqrt(lowmem_kbytes * 16)));
}

/**
 * The one zone of the node (struct zone, ZONE_NORMAL; a real x86-64 node also has DMA and
 * DMA32, whose small share of the reserve is folded in here): its managed pages and its
 * min/low/high watermarks. Free pages are the folio table's count (NR_FREE_PAGES).
 */
export class Zone {
  readonly managed_pages: number;
  readonly min_free_kbytes: number;
  readonly watermark_scale_factor: number;
  /** zone->_watermark[WMARK_MIN, WMARK_LOW, WMARK_HIGH], pages. */
  readonly _watermark = [0, 0, 0];

  constructor(managed_pages: number, min_free_kbytes: number | undefined, watermark_scale_factor: number) {
    assert(managed_pages > 0, 'a zone needs pages');
    this.managed_pages = managed_pages;
    this.min_free_kbytes = min_free_kbytes ?? calculate_min_free_kbytes(managed_pages);
    this.watermark_scale_factor = watermark_scale_factor;
    this.setup_per_zone_wmarks();
  }

  /**
   * __setup_per_zone_wmarks (mm/page_alloc.c; kernel-spec E5) for a node whose only zone is
   * lowmem: min = min_free_kbytes in pages; low and high each add
   * max(min / 4, managed * watermark_scale_factor / 10000).
   */
  private setup_per_zone_wmarks(): void {
    const pages_min = Math.floor(this.min_free_kbytes / (1 << KIB_PER_PAGE_SHIFT));
    // tmp = pages_min * managed / lowmem_pages: the whole of it for the only lowmem zone.
    const min = pages_min;
    const gap = Math.max(Math.floor(min / 4), mult_frac(this.managed_pages, this.watermark_scale_factor, 10_000));
    this._watermark[WMARK_MIN] = min;
    this._watermark[WMARK_LOW] = min + gap;
    this._watermark[WMARK_HIGH] = min + 2 * gap;
  }

  min_wmark_pages(): number {
    return this._watermark[WMARK_MIN] as number;
  }

  low_wmark_pages(): number {
    return this._watermark[WMARK_LOW] as number;
  }

  high_wmark_pages(): number {
    return this._watermark[WMARK_HIGH] as number;
  }
}

/**
 * __zone_watermark_ok for an order-0 request without reserves (mm/page_alloc.c): the
 * allocation may proceed only while free pages stay above the mark (no lowmem_reserve: one
 * zone).
 */
export function zone_watermark_ok(free_pages: number, mark: number): boolean {
  return free_pages > mark;
}
