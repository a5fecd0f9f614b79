/**
 * The multi-gen LRU's Bloom filters (mm/vmscan.c, 6.12, "Bloom filters"): per lruvec two
 * bitmaps of 2^BLOOM_FILTER_SHIFT bits, chosen by the parity of a sequence number, of the PMD
 * entries whose PTE tables had enough young entries to be worth walking again. A walk for
 * seq records what it found in the filter of seq + 1 (walk_pmd_range) and the next,
 * non-forced walk visits only the tables the filter of its seq holds; eviction's look-around
 * adds the table it just scanned to the filter of max_seq. k = 2: the two halves of a 30-bit
 * hash of the entry's kernel address. False positives make a walk visit a table it need not;
 * there are no false negatives.
 */
import type { LruGenMmState } from '../mm/lru_gen.js';
import { NR_BLOOM_FILTERS } from '../mm/lru_gen.js';
import type { MmStruct } from '../mm/mm_struct.js';

/** BLOOM_FILTER_SHIFT: m = 2^15 bits per filter. */
export const BLOOM_FILTER_SHIFT = 15;
/** GOLDEN_RATIO_64 (include/linux/hash.h). */
const GOLDEN_RATIO_64 = 0x61c8864680b583ebn;
const KEY_MASK = (1 << BLOOM_FILTER_SHIFT) - 1;

/**
 * hash_ptr(ptr, bits) on 64-bit (hash_64_generic; x86 has no arch hash): the top `bits` bits
 * of the 64-bit product ptr × GOLDEN_RATIO_64.
 */
export function hash_ptr(ptr: bigint, bits: number): number {
  return Number(BigInt.asUintN(64, ptr * GOLDEN_RATIO_64) >> BigInt(64 - bits));
}

/** filter_gen_from_seq */
function filter_gen_from_seq(seq: number): number {
  return seq % NR_BLOOM_FILTERS;
}

/** get_item_key: the two bit numbers of an item, the low and high halves of its 30-bit hash. */
function get_item_key(item: bigint): [number, number] {
  const hash = hash_ptr(item, BLOOM_FILTER_SHIFT * 2);
  return [hash & KEY_MASK, hash >>> BLOOM_FILTER_SHIFT];
}

function test_bit(filter: Uint32Array, bit: number): boolean {
  return (((filter[bit >>> 5] as number) >>> (bit & 31)) & 1) === 1;
}

function set_bit(filter: Uint32Array, bit: number): void {
  filter[bit >>> 5] = (filter[bit >>> 5] as number) | (1 << (bit & 31));
}

/** test_bloom_filter: whether the filter of `seq` may hold `item`; true when that filter is not allocated. */
export function test_bloom_filter(mm_state: LruGenMmState, seq: number, item: bigint): boolean {
  const filter = mm_state.filters[filter_gen_from_seq(seq)] ?? null;
  if (filter === null) return true;
  const [key0, key1] = get_item_key(item);
  return test_bit(filter, key0) && test_bit(filter, key1);
}

/** update_bloom_filter: add `item` to the filter of `seq`, if it is allocated. */
export function update_bloom_filter(mm_state: LruGenMmState, seq: number, item: bigint): void {
  const filter = mm_state.filters[filter_gen_from_seq(seq)] ?? null;
  if (filter === null) return;
  const [key0, key1] = get_item_key(item);
  set_bit(filter, key0);
  set_bit(filter, key1);
}

/** reset_bloom_filter: empty the filter of `seq`, allocating it the first time. */
export function reset_bloom_filter(mm_state: LruGenMmState, seq: number): void {
  const gen = filter_gen_from_seq(seq);
  const filter = mm_state.filters[gen] ?? null;
  if (filter !== null) filter.fill(0);
  else mm_state.filters[gen] = new Uint32Array((1 << BLOOM_FILTER_SHIFT) / 32);
}

/**
 * The Bloom filter item of the PTE table that maps `vpn` in `mm`: the address of the PMD
 * entry pointing to it (walk_pmd_range's pmd + i, look-around's pvmw->pmd).
 */
export function pmd_item(mm: MmStruct, vpn: number): bigint {
  return mm.pmd_entry_kaddr(vpn);
}
