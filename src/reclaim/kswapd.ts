/**
 * kswapd, the node's background reclaim thread (mm/vmscan.c; kernel-spec E5, E6, E8): woken by
 * an allocation that finds free pages at or below the low watermark, it reclaims with
 * balance_pgdat until free pages are above the high watermark, naps, and sleeps.
 */
import { assert } from '../engine/assert.js';
import { Priority, Yield, type Simulator, type Task, type TaskBody } from '../engine/simulator.js';
import { PGDAT_DIRTY, PGDAT_WRITEBACK } from '../mm/pgdat.js';
import { zone_watermark_ok } from '../mm/zone.js';
import { must_sync, ReclaimTask, type Kernel, type KswapdHandle } from './kernel.js';
import { DEF_PRIORITY, make_scan_control, MAX_RECLAIM_RETRIES, SWAP_CLUSTER_MAX, type ScanControl } from './scan_control.js';
import { kswapd_age_node, shrink_node } from './shrink_node.js';
import { trace_kswapd_sleep, trace_kswapd_wake, trace_wakeup_kswapd } from './vmscan_trace.js';

/** kswapd_try_to_sleep's short nap: schedule_timeout(HZ/10) at Debian's HZ=250, 25 jiffies. */
export const KSWAPD_NAP_NS = 100_000_000;
/** A bound on kswapd's wake/reclaim/sleep rounds in one run. */
const KSWAPD_ROUNDS_MAX = 10_000_000;

const KSWAPD_RUNNING = 0;
const KSWAPD_NAPPING = 1;
const KSWAPD_ASLEEP = 2;

/** pgdat_balanced (order 0, one zone): free pages above the high watermark. */
export function pgdat_balanced(k: Kernel): boolean {
  return zone_watermark_ok(k.pgdat.folios.nr_free_pages, k.pgdat.zone.high_wmark_pages());
}

/**
 * kswapd_shrink_node (mm/vmscan.c; kernel-spec E6): aim at the high watermark (at least
 * SWAP_CLUSTER_MAX) in one shrink_node. True when it scanned (or reclaimed) at least that
 * much, so the priority need not rise.
 */
function* kswapd_shrink_node(k: Kernel, rt: ReclaimTask, sc: ScanControl): Generator<Yield, boolean, void> {
  const nr_reclaimed = sc.nr_reclaimed;
  sc.nr_to_reclaim = Math.max(k.pgdat.zone.high_wmark_pages(), SWAP_CLUSTER_MAX);
  yield* shrink_node(k, rt, sc);
  return Math.max(sc.nr_scanned, sc.nr_reclaimed - nr_reclaimed) >= sc.nr_to_reclaim;
}

/**
 * balance_pgdat (mm/vmscan.c; kernel-spec E6) for order 0 without watermark boosting:
 * PAGEOUTRUN; from DEF_PRIORITY down to 1, stop once the node is balanced, otherwise age the
 * active lists and shrink the node towards the high watermark, raising the priority when a
 * round scanned too little or reclaimed nothing. A whole run that reclaimed nothing counts a
 * kswapd failure.
 */
export function* balance_pgdat(k: Kernel, rt: ReclaimTask): Generator<Yield, void, void> {
  k.pgdat.vm.pageoutrun++;
  const sc = make_scan_control({ may_unmap: true, priority: DEF_PRIORITY });
  do {
    const nr_reclaimed = sc.nr_reclaimed;
    let raise_priority = true;
    if (must_sync(k, rt)) yield Yield.resume;
    if (pgdat_balanced(k)) return;
    sc.may_writepage = true;
    sc.may_swap = true;
    yield* kswapd_age_node(k, rt, sc);
    if (sc.priority < DEF_PRIORITY - 2) sc.may_writepage = true;
    sc.nr_scanned = 0;
    if (yield* kswapd_shrink_node(k, rt, sc)) raise_priority = false;
    if (raise_priority || sc.nr_reclaimed === nr_reclaimed) sc.priority--;
  } while (sc.priority >= 1);
  if (sc.nr_reclaimed === 0) k.pgdat.kswapd_failures++;
}

/**
 * The node's kswapd thread, pinned to one CPU (kernel-spec E8: a kernel thread, so its CPU is
 * in lazy TLB mode and batched flushes skip it). It is created sleeping, as after boot, and
 * becomes a task at its first wakeup.
 */
export class Kswapd implements KswapdHandle {
  private task: Task | null = null;
  private state = KSWAPD_ASLEEP;
  /** Bumped at each nap, so that a stale nap timeout is ignored. */
  private nap_seq = 0;
  /** The nap ended by a wakeup rather than its timeout (schedule_timeout's `remaining`). */
  private woken_early = false;
  /** Set when the experiment is over: kswapd finishes instead of sleeping again. */
  private stopped = false;
  private readonly nap_timeout_kind: number;
  private readonly sim: Simulator;

  constructor(
    private readonly k: Kernel,
    readonly cpu: number,
  ) {
    this.sim = k.sim;
    this.nap_timeout_kind = k.sim.register((seq) => this.nap_timeout(seq));
  }

  /**
   * wakeup_kswapd (mm/vmscan.c): nothing if kswapd is awake, or the node is hopeless
   * (MAX_RECLAIM_RETRIES failures) or balanced; otherwise trace mm_vmscan_wakeup_kswapd on
   * the waker's `cpu` and wake it, after the wakeup latency.
   */
  wakeup_kswapd(t_ns: number, cpu: number): void {
    if (this.state === KSWAPD_RUNNING || this.stopped) return;
    if (this.k.pgdat.kswapd_failures >= MAX_RECLAIM_RETRIES || pgdat_balanced(this.k)) return;
    trace_wakeup_kswapd(this.k, cpu, t_ns);
    const at_ns = t_ns + this.k.machine.cost.kswapd_wakeup_ns;
    const napping = this.state === KSWAPD_NAPPING;
    this.state = KSWAPD_RUNNING;
    if (this.task === null) {
      this.task = this.sim.spawn('kswapd0', at_ns, (task) => this.kswapd(new ReclaimTask(task, this.cpu)));
      return;
    }
    this.woken_early = napping;
    this.sim.wake(this.task, at_ns);
  }

  /** The experiment is over: kswapd finishes balancing the node, then ends rather than sleeps. */
  stop(): void {
    this.stopped = true;
  }

  private nap_timeout(seq: number): void {
    if (this.state !== KSWAPD_NAPPING || seq !== this.nap_seq) return;
    if (this.stopped && this.prepare_kswapd_sleep()) return;
    this.state = KSWAPD_RUNNING;
    this.woken_early = false;
    this.sim.wake(this.task as Task, this.sim.now_ns);
  }

  /**
   * kswapd(): reclaim, try to sleep, repeat. Once the experiment is over it still reclaims
   * until the node is balanced (or hopeless), then ends instead of sleeping.
   */
  private *kswapd(rt: ReclaimTask): TaskBody {
    rt.is_kswapd = true;
    this.k.machine.enter_lazy_tlb(this.cpu);
    for (let round = 0; ; round++) {
      assert(round < KSWAPD_ROUNDS_MAX, 'kswapd never sleeps');
      trace_kswapd_wake(this.k, rt);
      yield* balance_pgdat(this.k, rt);
      if (this.stopped) {
        if (must_sync(this.k, rt)) yield Yield.resume;
        if (this.prepare_kswapd_sleep()) {
          trace_kswapd_sleep(this.k, rt);
          return;
        }
        this.k.pgdat.vm.kswapd_high_wmark_hit_quickly++;
        continue;
      }
      yield* this.kswapd_try_to_sleep(rt);
    }
  }

  /**
   * prepare_kswapd_sleep: kswapd may sleep when the node is hopeless or balanced (then the
   * congestion flags are cleared).
   */
  private prepare_kswapd_sleep(): boolean {
    const pgdat = this.k.pgdat;
    if (pgdat.kswapd_failures >= MAX_RECLAIM_RETRIES) return true;
    if (pgdat_balanced(this.k)) {
      pgdat.flags &= ~(PGDAT_DIRTY | PGDAT_WRITEBACK);
      return true;
    }
    return false;
  }

  /**
   * kswapd_try_to_sleep (mm/vmscan.c): if it may, nap HZ/10; a nap not cut short by a wakeup,
   * after which it still may sleep, becomes a sleep until the next wakeup_kswapd. Otherwise
   * count KSWAPD_LOW_WMARK_HIT_QUICKLY (woken during the nap) or
   * KSWAPD_HIGH_WMARK_HIT_QUICKLY (could not sleep) and reclaim again.
   */
  private *kswapd_try_to_sleep(rt: ReclaimTask): Generator<Yield, void, void> {
    const k = this.k;
    let remaining = false;
    if (must_sync(k, rt)) yield Yield.resume;
    if (this.prepare_kswapd_sleep()) {
      this.state = KSWAPD_NAPPING;
      this.woken_early = false;
      this.nap_seq++;
      this.sim.schedule(rt.task.now_ns + KSWAPD_NAP_NS, Priority.default, this.nap_timeout_kind, this.nap_seq);
      yield Yield.sleep;
      remaining = this.woken_early;
      if (must_sync(k, rt)) yield Yield.resume;
    }
    if (!remaining && this.prepare_kswapd_sleep()) {
      trace_kswapd_sleep(k, rt);
      this.state = KSWAPD_ASLEEP;
      yield Yield.sleep;
    } else if (remaining) {
      k.pgdat.vm.kswapd_low_wmark_hit_quickly++;
    } else {
      k.pgdat.vm.kswapd_high_wmark_hit_quickly++;
    }
    this.state = KSWAPD_RUNNING;
  }
}
