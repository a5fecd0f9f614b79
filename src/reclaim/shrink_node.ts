/**
 * Node, memcg and direct reclaim, mm/vmscan.c, whatever the LRU policy: shrink_node and its
 * walk over memory cgroups, shrink_lruvec, do_try_to_free_pages and the two entries of
 * synchronous reclaim, try_to_free_pages (direct reclaim) and try_to_free_mem_cgroup_pages
 * (memcg limit reclaim), and kswapd_age_node for kswapd's balance_pgdat (kswapd.ts).
 *
 * The LRU policy is chosen where 6.12 chooses it (lru_gen_enabled()): shrink_node sends root
 * reclaim to lru_gen_shrink_node, shrink_lruvec sends cgroup reclaim to lru_gen_shrink_lruvec
 * (lru_gen_shrink.ts), kswapd_age_node to lru_gen_age_node; otherwise the classic LRU of
 * lru_classic.ts runs.
 */
import { assert } from '../engine/assert.js';
import { Yield } from '../engine/simulator.js';
import { NIL } from '../mm/folio.js';
import { LRU_ACTIVE_ANON, LRU_ACTIVE_FILE, LRU_INACTIVE_ANON, LRU_INACTIVE_FILE, type Lruvec } from '../mm/lru.js';
import { ROOT_MEM_CGROUP } from '../mm/memcontrol.js';
import { PGDAT_DIRTY, PGDAT_WRITEBACK, type PgData } from '../mm/pgdat.js';
import { must_sync, type Kernel, type ReclaimTask } from './kernel.js';
import { kswapd_age_node_classic, prepare_scan_control, shrink_lruvec_classic } from './lru_classic.js';
import { lru_gen_age_node, lru_gen_shrink_lruvec } from './lru_gen_shrink.js';
import { lru_gen_shrink_node } from './lru_gen_shrink_node.js';
import { DEF_PRIORITY, make_scan_control, SWAP_CLUSTER_MAX, type ScanControl } from './scan_control.js';
import { can_reclaim_anon_pages, cgroup_reclaim } from './vmscan_lru.js';
import { trace_reclaim_begin, trace_reclaim_end } from './vmscan_trace.js';

/** root_reclaim: no target cgroup, or the root one. */
function root_reclaim(sc: ScanControl): boolean {
  return !cgroup_reclaim(sc) || sc.target_memcg === ROOT_MEM_CGROUP;
}

/**
 * shrink_lruvec (mm/vmscan.c; kernel-spec E1): the one lruvec's reclaim: cgroup (non-root)
 * reclaim under lru_gen goes to lru_gen_shrink_lruvec; the classic body is lru_classic.ts's.
 */
function* shrink_lruvec(k: Kernel, rt: ReclaimTask, lruvec: Lruvec, sc: ScanControl): Generator<Yield, void, void> {
  if (k.pgdat.lru_gen_enabled && !root_reclaim(sc)) {
    yield* lru_gen_shrink_lruvec(k, rt, lruvec, sc);
    return;
  }
  yield* shrink_lruvec_classic(k, rt, lruvec, sc);
}

/** The ids of a cgroup's subtree in pre-order (css_next_descendant_pre): itself, then its children. */
function memcg_subtree(pgdat: PgData, root: number): number[] {
  if (root !== ROOT_MEM_CGROUP) return [root];
  return pgdat.lruvecs.map((lruvec) => lruvec.memcg_id);
}

/** mem_cgroup_reclaim_cookie */
interface ReclaimCookie {
  generation: number;
}

/**
 * mem_cgroup_iter with a reclaim cookie (mm/memcontrol.c): reclaimers of one subtree share a
 * position, so each starts where the previous one stopped; a walk ends when the round it
 * joined completes (the generation moves), and a walker that starts at the end of a round
 * starts the next one. Returns the next cgroup id, or NIL.
 */
function mem_cgroup_iter(pgdat: PgData, root: number, subtree: readonly number[], prev: number, cookie: ReclaimCookie): number {
  for (let restarts = 0; restarts < 2; restarts++) {
    if (prev === NIL) cookie.generation = pgdat.memcg_iter_generation[root] as number;
    else if (cookie.generation !== pgdat.memcg_iter_generation[root]) return NIL;
    const pos = pgdat.memcg_iter_position[root] as number;
    const next = pos + 1 < subtree.length ? pos + 1 : -1;
    pgdat.memcg_iter_position[root] = next;
    if (next !== -1) return subtree[next] as number;
    pgdat.memcg_iter_generation[root] = (pgdat.memcg_iter_generation[root] as number) + 1;
    if (prev !== NIL) return NIL;
  }
  return NIL;
}

/**
 * shrink_node_memcgs (mm/vmscan.c): shrink the lruvec of each cgroup under the target (the
 * root for global reclaim). kswapd and full walks visit all; direct and memcg reclaimers
 * share a walk position and stop once they reclaimed enough. memory.min/low are not
 * modelled; slab shrinkers neither.
 */
function* shrink_node_memcgs(k: Kernel, rt: ReclaimTask, sc: ScanControl): Generator<Yield, void, void> {
  const pgdat = k.pgdat;
  const root = cgroup_reclaim(sc) ? sc.target_memcg : ROOT_MEM_CGROUP;
  const subtree = memcg_subtree(pgdat, root);
  if (rt.is_kswapd || sc.memcg_full_walk) {
    for (const id of subtree) yield* shrink_lruvec(k, rt, pgdat.lruvecs[id] as Lruvec, sc);
    return;
  }
  const cookie: ReclaimCookie = { generation: 0 };
  for (let memcg = mem_cgroup_iter(pgdat, root, subtree, NIL, cookie); memcg !== NIL; memcg = mem_cgroup_iter(pgdat, root, subtree, memcg, cookie)) {
    yield* shrink_lruvec(k, rt, pgdat.lruvecs[memcg] as Lruvec, sc);
    // mem_cgroup_iter_break: the shared position stays at this cgroup.
    if (sc.nr_reclaimed >= sc.nr_to_reclaim) break;
  }
}

/**
 * shrink_node (mm/vmscan.c; kernel-spec E3, E4): root reclaim under lru_gen goes to
 * lru_gen_shrink_node (lru_gen_shrink_node.ts); otherwise one pass over the cgroups of
 * the node; kswapd flags the node PGDAT_WRITEBACK when everything it took was under
 * writeback, and PGDAT_DIRTY when all file folios it took were unqueued dirty; progress
 * revives a failing kswapd. Reclaim throttling (reclaim_throttle) is not modelled.
 */
export function* shrink_node(k: Kernel, rt: ReclaimTask, sc: ScanControl): Generator<Yield, void, void> {
  const pgdat = k.pgdat;
  const nr = sc.nr;
  nr.dirty = nr.unqueued_dirty = nr.congested = nr.writeback = nr.immediate = nr.taken = nr.file_taken = 0;
  if (pgdat.lru_gen_enabled && root_reclaim(sc)) {
    yield* lru_gen_shrink_node(k, rt, sc);
    return;
  }
  const nr_reclaimed = sc.nr_reclaimed;
  if (must_sync(k, rt)) yield Yield.resume;
  // prepare_scan_control returns at once under lru_gen.
  if (!pgdat.lru_gen_enabled) prepare_scan_control(k, sc);
  yield* shrink_node_memcgs(k, rt, sc);
  const nr_node_reclaimed = sc.nr_reclaimed - nr_reclaimed;
  if (rt.is_kswapd) {
    if (nr.writeback > 0 && nr.writeback === nr.taken) pgdat.flags |= PGDAT_WRITEBACK;
    if (nr.unqueued_dirty === nr.file_taken) pgdat.flags |= PGDAT_DIRTY;
  }
  if (nr_node_reclaimed > 0) pgdat.kswapd_failures = 0;
}

/**
 * do_try_to_free_pages (mm/vmscan.c; kernel-spec E7): shrink the node at priority 12, 11, …,
 * 0 until nr_to_reclaim pages are reclaimed (ALLOCSTALL for global reclaim); if nothing was,
 * try again with a full cgroup walk, then with forced deactivation.
 */
function* do_try_to_free_pages(k: Kernel, rt: ReclaimTask, sc: ScanControl): Generator<Yield, number, void> {
  const initial_priority = sc.priority;
  for (let attempt = 0; ; attempt++) {
    assert(attempt < 3, 'do_try_to_free_pages retried more than its three variants');
    if (!cgroup_reclaim(sc)) k.pgdat.vm.allocstall_normal++;
    do {
      sc.nr_scanned = 0;
      yield* shrink_node(k, rt, sc);
      if (sc.nr_reclaimed >= sc.nr_to_reclaim) break;
      if (sc.priority < DEF_PRIORITY - 2) sc.may_writepage = true;
    } while (--sc.priority >= 0);
    if (sc.nr_reclaimed > 0) return sc.nr_reclaimed;
    if (!sc.memcg_full_walk) {
      sc.priority = initial_priority;
      sc.memcg_full_walk = true;
      continue;
    }
    if (sc.skipped_deactivate) {
      sc.priority = initial_priority;
      sc.force_deactivate = true;
      sc.skipped_deactivate = false;
      continue;
    }
    return 0;
  }
}

/**
 * try_to_free_pages (mm/vmscan.c; kernel-spec E7): direct reclaim in the allocating task,
 * nr_to_reclaim = SWAP_CLUSTER_MAX, priority from DEF_PRIORITY down. The pfmemalloc
 * throttle does not apply: nothing in the model allocates below the min watermark. The
 * call's duration is the allocation's stall (sim_direct_reclaim_ns).
 */
export function* try_to_free_pages(k: Kernel, rt: ReclaimTask): Generator<Yield, number, void> {
  const start_ns = rt.task.now_ns;
  const sc = make_scan_control({
    nr_to_reclaim: SWAP_CLUSTER_MAX,
    priority: DEF_PRIORITY,
    may_writepage: true,
    may_unmap: true,
    may_swap: true,
  });
  trace_reclaim_begin(k, rt, false);
  const nr_reclaimed = yield* do_try_to_free_pages(k, rt, sc);
  trace_reclaim_end(k, rt, false, nr_reclaimed);
  k.pgdat.vm.sim_direct_reclaim_ns += rt.task.now_ns - start_ns;
  return nr_reclaimed;
}

/**
 * try_to_free_mem_cgroup_pages (mm/vmscan.c; kernel-spec E7): memcg limit reclaim in the
 * charging task over the cgroup's own lruvec, nr_to_reclaim = max(nr_pages,
 * SWAP_CLUSTER_MAX). The call's duration is the charge's stall (sim_memcg_reclaim_ns).
 */
export function* try_to_free_mem_cgroup_pages(k: Kernel, rt: ReclaimTask, memcg_id: number, nr_pages: number): Generator<Yield, number, void> {
  const start_ns = rt.task.now_ns;
  const sc = make_scan_control({
    nr_to_reclaim: Math.max(nr_pages, SWAP_CLUSTER_MAX),
    target_memcg: memcg_id,
    priority: DEF_PRIORITY,
    may_writepage: true,
    may_unmap: true,
    may_swap: true,
  });
  trace_reclaim_begin(k, rt, true);
  const nr_reclaimed = yield* do_try_to_free_pages(k, rt, sc);
  trace_reclaim_end(k, rt, true, nr_reclaimed);
  k.pgdat.vm.sim_memcg_reclaim_ns += rt.task.now_ns - start_ns;
  return nr_reclaimed;
}

/**
 * kswapd_age_node (mm/vmscan.c): lru_gen_age_node under lru_gen, else the classic body of
 * lru_classic.ts.
 */
export function* kswapd_age_node(k: Kernel, rt: ReclaimTask, sc: ScanControl): Generator<Yield, void, void> {
  if (k.pgdat.lru_gen_enabled) {
    lru_gen_age_node(k, sc);
    return;
  }
  yield* kswapd_age_node_classic(k, rt, sc);
}

/** zone_reclaimable_pages: the node's file LRU pages, plus its anon LRU pages when swap has room. */
export function zone_reclaimable_pages(pgdat: PgData): number {
  const file = pgdat.node_lru_pages(LRU_INACTIVE_FILE) + pgdat.node_lru_pages(LRU_ACTIVE_FILE);
  if (!can_reclaim_anon_pages(pgdat)) return file;
  return file + pgdat.node_lru_pages(LRU_INACTIVE_ANON) + pgdat.node_lru_pages(LRU_ACTIVE_ANON);
}
