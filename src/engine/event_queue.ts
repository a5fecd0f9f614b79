import { assert } from './assert.js';

/**
 * A binary min-heap of events ordered by (time_ns, priority, seq), with FIFO order among
 * equals through the insertion sequence number. Events live in parallel typed arrays
 * (no object per event); an event is a handler kind and one integer argument.
 */
export class EventQueue {
  private time_ns: Float64Array;
  private priority: Int8Array;
  private seq: Float64Array;
  private kind: Uint16Array;
  private arg: Int32Array;
  private count = 0;
  private next_seq = 0;

  constructor(capacity_initial = 1024) {
    this.time_ns = new Float64Array(capacity_initial);
    this.priority = new Int8Array(capacity_initial);
    this.seq = new Float64Array(capacity_initial);
    this.kind = new Uint16Array(capacity_initial);
    this.arg = new Int32Array(capacity_initial);
  }

  get size(): number {
    return this.count;
  }

  /** Sequence number the next pushed event will get (events pushed so far). */
  get pushed(): number {
    return this.next_seq;
  }

  /** `seq` orders equal (time, priority) events; by default this queue's own insertion count. */
  push(time_ns: number, priority: number, kind: number, arg: number, seq = this.next_seq): void {
    if (this.count === this.time_ns.length) this.grow();
    let i = this.count++;
    this.next_seq++;
    // Sift up: move parents down until the slot for the new event is found.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less_than_slot(time_ns, priority, seq, parent)) break;
      this.move(parent, i);
      i = parent;
    }
    this.time_ns[i] = time_ns;
    this.priority[i] = priority;
    this.seq[i] = seq;
    this.kind[i] = kind;
    this.arg[i] = arg;
  }

  /** Time of the earliest event, or +Infinity when empty. */
  peek_time_ns(): number {
    return this.count === 0 ? Infinity : (this.time_ns[0] as number);
  }

  /** True when this queue's earliest event orders before `other`'s (both non-empty). */
  head_before(other: EventQueue): boolean {
    return !this.less_than_slot(other.time_ns[0] as number, other.priority[0] as number, other.seq[0] as number, 0);
  }

  /**
   * Removes the earliest event and writes it into `out` (reused by the caller, so popping
   * allocates nothing).
   */
  pop(out: PoppedEvent): void {
    assert(this.count > 0, 'pop from an empty event queue');
    out.time_ns = this.time_ns[0] as number;
    out.priority = this.priority[0] as number;
    out.seq = this.seq[0] as number;
    out.kind = this.kind[0] as number;
    out.arg = this.arg[0] as number;
    const last = --this.count;
    if (last === 0) return;
    const t = this.time_ns[last] as number;
    const p = this.priority[last] as number;
    const s = this.seq[last] as number;
    const k = this.kind[last] as number;
    const a = this.arg[last] as number;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const right = left + 1;
      const child = right < last && this.slot_less(right, left) ? right : left;
      if (!this.less_than_slot_reversed(child, t, p, s)) break;
      this.move(child, i);
      i = child;
    }
    this.time_ns[i] = t;
    this.priority[i] = p;
    this.seq[i] = s;
    this.kind[i] = k;
    this.arg[i] = a;
  }

  private less_than_slot(t: number, p: number, s: number, j: number): boolean {
    const tj = this.time_ns[j] as number;
    if (t !== tj) return t < tj;
    const pj = this.priority[j] as number;
    if (p !== pj) return p < pj;
    return s < (this.seq[j] as number);
  }

  /** True when the event in slot j orders before (t, p, s). */
  private less_than_slot_reversed(j: number, t: number, p: number, s: number): boolean {
    const tj = this.time_ns[j] as number;
    if (tj !== t) return tj < t;
    const pj = this.priority[j] as number;
    if (pj !== p) return pj < p;
    return (this.seq[j] as number) < s;
  }

  private slot_less(i: number, j: number): boolean {
    return this.less_than_slot(
      this.time_ns[i] as number,
      this.priority[i] as number,
      this.seq[i] as number,
      j,
    );
  }

  private move(from: number, to: number): void {
    this.time_ns[to] = this.time_ns[from] as number;
    this.priority[to] = this.priority[from] as number;
    this.seq[to] = this.seq[from] as number;
    this.kind[to] = this.kind[from] as number;
    this.arg[to] = this.arg[from] as number;
  }

  private grow(): void {
    const capacity = this.time_ns.length * 2;
    const grow_f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.time_ns = grow_f64(this.time_ns);
    this.seq = grow_f64(this.seq);
    const priority = new Int8Array(capacity);
    priority.set(this.priority);
    this.priority = priority;
    const kind = new Uint16Array(capacity);
    kind.set(this.kind);
    this.kind = kind;
    const arg = new Int32Array(capacity);
    arg.set(this.arg);
    this.arg = arg;
  }
}

export interface PoppedEvent {
  time_ns: number;
  priority: number;
  seq: number;
  kind: number;
  arg: number;
}
