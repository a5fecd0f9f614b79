import { assert } from '../../engine/assert.js';
import { NR_CPUS_MAX } from '../cpumask.js';
import type { MmContext } from '../machine.js';

/** A call delivered by its own IPI (CALL_FUNCTION_VECTOR or _SINGLE_VECTOR, the round's vector). */
export const CALL_IPI = 0;
/** A call queued behind a pending one on its target: it runs in that interrupt (IRQ_TLB_QUEUED). */
export const CALL_QUEUED = 1;
/** The initiator's own flush_tlb_func, run between sending the IPIs and waiting for them. */
export const CALL_LOCAL = 2;

/**
 * Flush rounds bound at once: each initiating task has at most one in flight (it waits for its
 * acknowledgements), so this bounds the tasks flushing concurrently.
 */
const ROUNDS_MAX = 64;

/**
 * The flush_tlb_multi rounds whose calls have not all run yet (kernel/smp.c: the csds queued
 * on each target's call_single_queue, and the initiator's struct flush_tlb_info they point to,
 * which stays valid while the initiator spins in csd_lock_wait). Each round keeps its request
 * and, per call still to run, the target CPU, when the call runs there, the handler time the
 * initiator's wait was computed with, and how it is delivered (CALL_*). Typed arrays sized
 * once: sending and delivering allocate nothing.
 */
export class FlushRounds {
  // struct flush_tlb_info of each round.
  readonly mm: (MmContext | null)[] = new Array<MmContext | null>(ROUNDS_MAX).fill(null);
  // Int32: what is read back stays a small integer, as in the request (no boxed doubles downstream).
  readonly start_vpn = new Int32Array(ROUNDS_MAX);
  readonly end_vpn = new Int32Array(ROUNDS_MAX);
  readonly new_tlb_gen = new Int32Array(ROUNDS_MAX);
  readonly initiating_cpu = new Int32Array(ROUNDS_MAX);
  readonly freed_tables = new Uint8Array(ROUNDS_MAX);
  readonly stride_shift = new Uint8Array(ROUNDS_MAX);
  /** The interrupt kind of the round's IPIs (IRQ_TLB, or IRQ_TLB_SINGLE when one CPU was sent one). */
  readonly vector = new Uint8Array(ROUNDS_MAX);
  /** Calls of each round still to run; 0 marks a free slot. */
  readonly nr_calls = new Int32Array(ROUNDS_MAX);
  // The calls, NR_CPUS_MAX slots per round (one per target; the initiator's own takes the slot no IPI does).
  readonly target = new Int32Array(ROUNDS_MAX * NR_CPUS_MAX);
  readonly start_ns = new Float64Array(ROUNDS_MAX * NR_CPUS_MAX);
  readonly handler_ns = new Int32Array(ROUNDS_MAX * NR_CPUS_MAX);
  readonly mode = new Uint8Array(ROUNDS_MAX * NR_CPUS_MAX);
  private cursor = 0;

  /** A free round slot for a new request; it stays free until a call is added. */
  open(): number {
    for (let i = 0; i < ROUNDS_MAX; i++) {
      const slot = (this.cursor + i) % ROUNDS_MAX;
      if (this.nr_calls[slot] === 0) {
        this.cursor = (slot + 1) % ROUNDS_MAX;
        return slot;
      }
    }
    assert(false, () => `more than ${ROUNDS_MAX} TLB flush rounds in flight at once`);
    return -1;
  }

  /** Adds a call to run on `target` at `start_ns`. */
  add(slot: number, target: number, start_ns: number, handler_ns: number, mode: number): void {
    const n = this.nr_calls[slot] as number;
    const i = slot * NR_CPUS_MAX + n;
    this.target[i] = target;
    this.start_ns[i] = start_ns;
    this.handler_ns[i] = handler_ns;
    this.mode[i] = mode;
    this.nr_calls[slot] = n + 1;
  }

  /** When the round's earliest remaining call runs. */
  first_ns(slot: number): number {
    const base = slot * NR_CPUS_MAX;
    const n = this.nr_calls[slot] as number;
    let first = Infinity;
    for (let i = base; i < base + n; i++) if ((this.start_ns[i] as number) < first) first = this.start_ns[i] as number;
    return first;
  }

  /** Frees the slot once its last call ran. */
  close(slot: number): void {
    this.nr_calls[slot] = 0;
    this.mm[slot] = null;
  }
}
