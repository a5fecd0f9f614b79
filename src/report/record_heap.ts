/**
 * Trace records and a min-heap of them on (time, arrival order). The model reports events
 * roughly but not strictly in time order — a kernel task runs ahead of the event queue, and
 * an interrupt handler's start can lie in the future of the call — so a trace writer holds
 * them here and takes them out in time order. Records live in typed arrays (struct of
 * arrays), so a heap of a quarter of a million records costs about 14 MB and no objects.
 */

/** Record kinds: the tracepoints of src/hw/tracer.ts, and the ends of the spans among them. */
export const R_TLB_FLUSH = 0;
export const R_IRQ = 1;
export const R_WRITE_FOLIO = 2;
export const R_BIO_QUEUE = 3;
export const R_RQ_ISSUE = 4;
export const R_RQ_COMPLETE = 5;
export const R_SHRINK = 6;
export const R_FAULT = 7;
/** The end of a span (R_IRQ, R_SHRINK, R_FAULT); `b` holds the span's kind. */
export const R_SPAN_END = 8;
/** A vmscan tracepoint: `a` its VMSCAN_* id, `args` its arguments. */
export const R_VMSCAN = 9;

/**
 * One record. Fields by kind:
 * - R_TLB_FLUSH: a reason, b pages
 * - R_IRQ: a duration ns, b IRQ_TLB / IRQ_IO
 * - R_WRITE_FOLIO: a pfn, b 1 if the swap device is synchronous
 * - R_BIO_QUEUE, R_RQ_ISSUE, R_RQ_COMPLETE: a sector, b nr_sector, c 1 for a write
 * - R_SHRINK: a duration ns, b nr_scanned, c nr_reclaimed, d flush rounds
 * - R_FAULT: a duration ns, b 1 for a major fault
 * - R_SPAN_END: a the span's id, b the span's kind, c and d copied from the span's start
 * - R_VMSCAN: a the VMSCAN_* id; `args` its arguments
 */
export interface TraceRecord {
  kind: number;
  cpu: number;
  t_ns: number;
  a: number;
  b: number;
  c: number;
  d: number;
  /** The arguments of an event with more numbers than a..d (R_VMSCAN), else null. */
  args: readonly number[] | null;
}

export function empty_record(): TraceRecord {
  return { kind: 0, cpu: 0, t_ns: 0, a: 0, b: 0, c: 0, d: 0, args: null };
}

/** A min-heap of records on (t_ns, arrival), growing up to `capacity` records. */
export class RecordHeap {
  private t = new Float64Array(0);
  private seq = new Float64Array(0);
  private kind = new Uint8Array(0);
  private cpu = new Int32Array(0);
  private fa = new Float64Array(0);
  private fb = new Float64Array(0);
  private fc = new Float64Array(0);
  private fd = new Float64Array(0);
  /** Per slot, the arguments of a record that has them (few: reclaim's tracepoints). */
  private args: (readonly number[] | null)[] = [];
  /** heap[i] is the slot of the i-th heap element; slots are reused through `free`. */
  private heap = new Int32Array(0);
  private free: number[] = [];
  private next_slot = 0;
  private arrivals = 0;
  size = 0;

  constructor(readonly capacity: number) {}

  get full(): boolean {
    return this.size >= this.capacity;
  }

  push(kind: number, cpu: number, t_ns: number, a: number, b: number, c: number, d: number, args: readonly number[] | null = null): void {
    if (this.size >= this.heap.length) this.grow();
    const slot = this.free.pop() ?? this.next_slot++;
    this.t[slot] = t_ns;
    this.seq[slot] = this.arrivals++;
    this.kind[slot] = kind;
    this.cpu[slot] = cpu;
    this.fa[slot] = a;
    this.fb[slot] = b;
    this.fc[slot] = c;
    this.fd[slot] = d;
    this.args[slot] = args;
    let i = this.size++;
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(slot, this.heap[parent] as number)) break;
      this.heap[i] = this.heap[parent] as number;
      i = parent;
    }
    this.heap[i] = slot;
  }

  /** Time of the earliest record; Infinity when empty. */
  peek_time(): number {
    return this.size === 0 ? Infinity : (this.t[this.heap[0] as number] as number);
  }

  /** Moves the earliest record into `out`; false when empty. */
  pop(out: TraceRecord): boolean {
    if (this.size === 0) return false;
    const top = this.heap[0] as number;
    out.kind = this.kind[top] as number;
    out.cpu = this.cpu[top] as number;
    out.t_ns = this.t[top] as number;
    out.a = this.fa[top] as number;
    out.b = this.fb[top] as number;
    out.c = this.fc[top] as number;
    out.d = this.fd[top] as number;
    out.args = this.args[top] ?? null;
    this.args[top] = null;
    this.free.push(top);
    const last = this.heap[--this.size] as number;
    // Sift the last element down from the root.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.less(this.heap[right] as number, this.heap[left] as number) ? right : left;
      if (!this.less(this.heap[child] as number, last)) break;
      this.heap[i] = this.heap[child] as number;
      i = child;
    }
    this.heap[i] = last;
    return true;
  }

  /** Drops every record (the trace reached its cap). */
  clear(): void {
    this.size = 0;
    this.free = [];
    this.next_slot = 0;
    this.args = [];
  }

  private less(x: number, y: number): boolean {
    const tx = this.t[x] as number;
    const ty = this.t[y] as number;
    return tx < ty || (tx === ty && (this.seq[x] as number) < (this.seq[y] as number));
  }

  private grow(): void {
    const n = Math.min(this.capacity, Math.max(1024, this.heap.length * 2));
    if (n <= this.heap.length) throw new RangeError(`record heap full (${this.capacity} records)`);
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const a = make(n);
      a.set(old);
      return a;
    };
    this.t = grown(this.t, (k) => new Float64Array(k));
    this.seq = grown(this.seq, (k) => new Float64Array(k));
    this.kind = grown(this.kind, (k) => new Uint8Array(k));
    this.cpu = grown(this.cpu, (k) => new Int32Array(k));
    this.fa = grown(this.fa, (k) => new Float64Array(k));
    this.fb = grown(this.fb, (k) => new Float64Array(k));
    this.fc = grown(this.fc, (k) => new Float64Array(k));
    this.fd = grown(this.fd, (k) => new Float64Array(k));
    this.heap = grown(this.heap, (k) => new Int32Array(k));
  }
}
