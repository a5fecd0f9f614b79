/**
 * The multi-gen LRU's memcg LRU (struct lru_gen_memcg, include/linux/mmzone.h; mm/vmscan.c
 * 6.12 "memcg LRU"): the order in which global reclaim (shrink_many) visits the cgroups of a
 * node. Each cgroup's lruvec sits in one of MEMCG_NR_BINS bins of one of MEMCG_NR_GENS
 * generations; only two are in use, old (seq) and young (seq + 1). Reclaim starts at a random
 * bin of the old generation; a cgroup whose aging completed is rotated young; when the old
 * generation empties, seq advances and young becomes old.
 *
 * The bins are hlist_nulls lists, kept here as they are: a `next` link per cgroup ending in
 * the list's nulls marker, whose value is the generation (lru_gen_init_pgdat). A cgroup
 * moved to another list keeps its `next` (hlist_nulls_del_rcu), so a reader standing on it
 * follows it there, as an RCU reader does, and shrink_many restarts when it ends in a list
 * of another generation. get_random_u32_below(MEMCG_NR_BINS) draws from the run's seeded
 * PRNG stream. Cgroups are never offlined in the model (no MEMCG_LRU_OLD from offlining) and
 * nothing exceeds a soft limit (no MEMCG_LRU_HEAD in use).
 */
import { assert } from '../engine/assert.js';
import type { Prng } from '../engine/prng.js';

/** MEMCG_NR_GENS: old, young, and a third so that a stale seq read never looks young. */
export const MEMCG_NR_GENS = 3;
/** MEMCG_NR_BINS: lists per generation, for scalability; reclaim starts at a random one. */
export const MEMCG_NR_BINS = 8;

/** The rotations of lru_gen_rotate_memcg; MEMCG_LRU_NOP is shrink_one's answer for none. */
export const MEMCG_LRU_NOP = 0;
export const MEMCG_LRU_HEAD = 1;
export const MEMCG_LRU_TAIL = 2;
export const MEMCG_LRU_OLD = 3;
export const MEMCG_LRU_YOUNG = 4;

/** get_memcg_gen */
export function get_memcg_gen(seq: number): number {
  return seq % MEMCG_NR_GENS;
}

/** get_memcg_bin */
export function get_memcg_bin(bin: number): number {
  return bin % MEMCG_NR_BINS;
}

/** The nulls marker ending the lists of generation `gen` (INIT_HLIST_NULLS_HEAD(…, gen)). */
function nulls(gen: number): number {
  return -1 - gen;
}

/** is_a_nulls */
export function is_a_nulls(pos: number): boolean {
  return pos < 0;
}

/** get_nulls_value */
export function get_nulls_value(pos: number): number {
  assert(pos < 0, 'get_nulls_value of an entry');
  return -1 - pos;
}

/** pgdat->memcg_lru, with each lruvec's lrugen.gen, lrugen.seg and lrugen.list, by cgroup id. */
export class MemcgLru {
  /** the per-node memcg generation counter */
  seq = 0;
  readonly nr_memcgs = [0, 0, 0];
  /** fifo[gen][bin]'s first entry (a cgroup id) or its nulls marker, at gen * MEMCG_NR_BINS + bin. */
  private readonly first: number[] = [];
  /** lrugen.list's next link of each cgroup: a cgroup id or a nulls marker. */
  private readonly next: number[] = [];
  /** lrugen.gen of each cgroup. */
  readonly gen: number[] = [];
  /** lrugen.seg of each cgroup: 0, MEMCG_LRU_HEAD or MEMCG_LRU_TAIL. */
  readonly seg: number[] = [];

  constructor(private readonly prng: Prng) {
    for (let gen = 0; gen < MEMCG_NR_GENS; gen++) {
      for (let bin = 0; bin < MEMCG_NR_BINS; bin++) this.first.push(nulls(gen));
    }
  }

  /** get_random_u32_below(MEMCG_NR_BINS) */
  random_bin(): number {
    return this.prng.range_inclusive(0, MEMCG_NR_BINS - 1);
  }

  /** hlist_nulls_first_rcu(&fifo[gen][bin]) */
  list_first(gen: number, bin: number): number {
    return this.first[gen * MEMCG_NR_BINS + bin] as number;
  }

  /** hlist_nulls_next_rcu of cgroup `memcg`'s entry. */
  list_next(memcg: number): number {
    return this.next[memcg] as number;
  }

  /** lru_gen_online_memcg: a new cgroup goes to the tail of a random bin of the old generation. */
  lru_gen_online_memcg(memcg: number): void {
    const bin = this.random_bin();
    const gen = get_memcg_gen(this.seq);
    this.gen[memcg] = gen;
    this.seg[memcg] = 0;
    this.add_tail(memcg, gen, bin);
    this.nr_memcgs[gen] = (this.nr_memcgs[gen] as number) + 1;
  }

  /**
   * lru_gen_rotate_memcg: HEAD and TAIL set the segment and move the cgroup to the head or
   * tail of a random bin of its generation; OLD (head) and YOUNG (tail) move it to that
   * generation with the default segment. The old generation emptied advances seq.
   */
  lru_gen_rotate_memcg(memcg: number, op: number): void {
    const bin = this.random_bin();
    const old = this.gen[memcg] as number;
    let seg = 0;
    let gen = old;
    if (op === MEMCG_LRU_HEAD) seg = MEMCG_LRU_HEAD;
    else if (op === MEMCG_LRU_TAIL) seg = MEMCG_LRU_TAIL;
    else if (op === MEMCG_LRU_OLD) gen = get_memcg_gen(this.seq);
    else if (op === MEMCG_LRU_YOUNG) gen = get_memcg_gen(this.seq + 1);
    else assert(false, () => `lru_gen_rotate_memcg: op ${op}`);
    this.seg[memcg] = seg;
    this.gen[memcg] = gen;
    this.del(memcg);
    if (op === MEMCG_LRU_HEAD || op === MEMCG_LRU_OLD) this.add_head(memcg, gen, bin);
    else this.add_tail(memcg, gen, bin);
    this.nr_memcgs[old] = (this.nr_memcgs[old] as number) - 1;
    this.nr_memcgs[gen] = (this.nr_memcgs[gen] as number) + 1;
    if (this.nr_memcgs[old] === 0 && old === get_memcg_gen(this.seq)) this.seq++;
  }

  /** hlist_nulls_add_head_rcu */
  private add_head(memcg: number, gen: number, bin: number): void {
    const head = gen * MEMCG_NR_BINS + bin;
    this.next[memcg] = this.first[head] as number;
    this.first[head] = memcg;
  }

  /** hlist_nulls_add_tail_rcu: after the last entry, or as the first of an empty list. */
  private add_tail(memcg: number, gen: number, bin: number): void {
    const head = gen * MEMCG_NR_BINS + bin;
    let last = -1;
    for (let pos = this.first[head] as number; !is_a_nulls(pos); pos = this.next[pos] as number) last = pos;
    if (last < 0) {
      this.add_head(memcg, gen, bin);
      return;
    }
    this.next[memcg] = this.next[last] as number;
    this.next[last] = memcg;
  }

  /** hlist_nulls_del_rcu: unlinked from its list; its own next link stays for readers on it. */
  private del(memcg: number): void {
    for (let head = 0; head < this.first.length; head++) {
      if (this.first[head] === memcg) {
        this.first[head] = this.next[memcg] as number;
        return;
      }
      for (let pos = this.first[head] as number; !is_a_nulls(pos); pos = this.next[pos] as number) {
        if (this.next[pos] !== memcg) continue;
        this.next[pos] = this.next[memcg] as number;
        return;
      }
    }
    assert(false, () => `lru_gen_rotate_memcg: cgroup ${memcg} is on no list`);
  }
}
