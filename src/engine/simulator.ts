import { assert, SimAssertionError, SimBoundError } from './assert.js';
import { EventQueue, type PoppedEvent } from './event_queue.js';

/**
 * Named event priorities: among events at the same nanosecond, lower runs first; among equal
 * priorities, the one scheduled first runs first (FIFO).
 */
export const Priority = {
  interrupt: -10,
  default: 0,
  task: 10,
} as const;

/** What a task's generator yields: run again at its own `now_ns`, or sleep until woken. */
export const enum Yield {
  resume = 0,
  sleep = 1,
}

/** A kernel task's code path, written as a generator that yields where it must wait. */
export type TaskBody = Generator<Yield, void, void>;

/**
 * A step of a task that may have to wait, for the caller to `yield*` at once: either the
 * generator that does the waiting, or NO_WAIT when the step already finished without it. The
 * per-folio steps of reclaim (flush the batch, write a folio, free it) rarely wait; made as
 * plain functions returning MayWait they cost no generator in the common case.
 */
export type MayWait = Iterable<Yield, void>;

const DONE: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });
const NO_WAIT_ITERATOR: Iterator<Yield, void> = Object.freeze({ next: () => DONE });

/** A finished step: `yield* NO_WAIT` returns at once. Shared, as it holds no state. */
export const NO_WAIT: MayWait = Object.freeze({ [Symbol.iterator]: () => NO_WAIT_ITERATOR });

/**
 * A simulated thread of kernel execution (the madvise caller, later kswapd). It keeps its own
 * clock: plain computation advances `now_ns` without events; it becomes an event only where
 * it interacts with the rest of the machine (DESIGN.md section 2).
 */
export class Task {
  now_ns: number;
  finished = false;
  sleeping = false;
  /** Woken and not yet run again: its next step follows a context switch into it. */
  woken = false;
  /**
   * What the scheduler's context switch into this task does besides running it, called when
   * it runs again after sleeping (a user task's lru_gen_use_mm; null for kernel threads). The
   * engine only calls it.
   */
  on_switch_in: (() => void) | null = null;
  body: TaskBody | undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    start_ns: number,
  ) {
    this.now_ns = start_ns;
  }
}

export type Handler = (arg: number) => void;

export interface RunLimits {
  /** Stop with an error after this many events (a bound on every run). */
  events_max: number;
  /** Stop with an error when simulated time passes this. */
  time_ns_max: number;
}

/** The discrete-event core: an integer-nanosecond clock, the event queue and the tasks. */
export class Simulator {
  now_ns = 0;
  events_processed = 0;
  /** The task whose code is running now (null between tasks, e.g. in an interrupt handler). */
  current_task: Task | null = null;
  private readonly queue = new EventQueue();
  /**
   * Events of observers (a timeline sampler): they read the model and change nothing, so
   * next_model_event_ns does not see them and the model runs the same with or without them.
   * Ordered with the others by one sequence.
   */
  private readonly observer_queue = new EventQueue(16);
  private next_seq = 0;
  private readonly handlers: Handler[] = [];
  private readonly observer_kind: boolean[] = [];
  private readonly daemon_kind: boolean[] = [];
  /** Daemon events in the model queue (see register). */
  private daemon_pending = 0;
  private readonly tasks: Task[] = [];
  private readonly popped: PoppedEvent = { time_ns: 0, priority: 0, seq: 0, kind: 0, arg: 0 };
  private readonly task_resume_kind: number;

  constructor() {
    this.task_resume_kind = this.register((id) => this.step_task(this.tasks[id] as Task));
  }

  /**
   * Registers a handler; the returned kind is what `schedule` takes. An `observer` only reads
   * the model (see next_model_event_ns). A `daemon` event (a periodic kernel timer, such as
   * the flusher's) does not keep the run alive: once only daemon events are left, it is over.
   */
  register(handler: Handler, observer = false, daemon = false): number {
    this.handlers.push(handler);
    this.observer_kind.push(observer);
    this.daemon_kind.push(daemon);
    return this.handlers.length - 1;
  }

  schedule(time_ns: number, priority: number, kind: number, arg: number): void {
    assert(Number.isSafeInteger(time_ns), () => `event time must be an integer ns, got ${time_ns}`);
    assert(time_ns >= this.now_ns, () => `event scheduled in the past: ${time_ns} < ${this.now_ns}`);
    if (this.daemon_kind[kind] === true) this.daemon_pending++;
    (this.observer_kind[kind] === true ? this.observer_queue : this.queue).push(time_ns, priority, kind, arg, this.next_seq++);
  }

  /**
   * Time of the next pending event that may change the model, observers' events left out: what
   * a decision that must not depend on observers (hw/x86/tlb.ts, when a call can run at once) asks.
   */
  next_model_event_ns(): number {
    return this.queue.peek_time_ns();
  }

  /** Whether the run goes on: a model event other than a daemon timer is pending. */
  has_live_events(): boolean {
    return this.queue.size > this.daemon_pending;
  }

  /** Creates a task whose body starts at `start_ns`. */
  spawn(name: string, start_ns: number, make_body: (task: Task) => TaskBody): Task {
    const task = new Task(this.tasks.length, name, start_ns);
    this.tasks.push(task);
    task.body = make_body(task);
    this.schedule(start_ns, Priority.task, this.task_resume_kind, task.id);
    return task;
  }

  /**
   * True when some event is due before the task's own clock, so the task must yield before
   * it touches shared state: everything earlier has to happen first.
   */
  must_yield(task: Task): boolean {
    // Observers' events do not count: a task yielding for them would take a new place among
    // the tasks due at its time, and the model would not run the same with an observer. An
    // observer sees what tasks did up to their last yield.
    return task.now_ns > this.queue.peek_time_ns();
  }

  /** Wakes a sleeping task at `at_ns` (for example when the I/O it waits for completes). */
  wake(task: Task, at_ns: number): void {
    assert(task.sleeping, () => `wake of task ${task.name} that is not sleeping`);
    task.sleeping = false;
    task.woken = true;
    task.now_ns = Math.max(task.now_ns, at_ns);
    this.schedule(task.now_ns, Priority.task, this.task_resume_kind, task.id);
  }

  run(limits: RunLimits): void {
    for (;;) {
      const live = this.has_live_events();
      if (!live && this.observer_queue.size === 0) break;
      const observed = this.observer_queue.size > 0 && (!live || this.observer_queue.head_before(this.queue));
      (observed ? this.observer_queue : this.queue).pop(this.popped);
      if (!observed && this.daemon_kind[this.popped.kind] === true) this.daemon_pending--;
      if (this.popped.time_ns > limits.time_ns_max) {
        throw new SimBoundError(`simulated time passed its bound of ${limits.time_ns_max / 1e9} s`);
      }
      if (this.events_processed >= limits.events_max) {
        throw new SimBoundError(`more than ${limits.events_max} events, the bound for this scenario`);
      }
      this.now_ns = this.popped.time_ns;
      this.events_processed++;
      try {
        (this.handlers[this.popped.kind] as Handler)(this.popped.arg);
      } catch (error) {
        if (error instanceof SimAssertionError && error.position === undefined) {
          error.position = { sim_time_ns: this.now_ns, seq: this.popped.seq };
        }
        throw error;
      }
    }
  }

  private step_task(task: Task): void {
    assert(!task.finished, () => `resume of finished task ${task.name}`);
    assert(task.now_ns === this.now_ns, () => `task ${task.name} resumed at ${this.now_ns}, its clock says ${task.now_ns}`);
    const body = task.body as TaskBody;
    if (task.woken) {
      task.woken = false;
      task.on_switch_in?.();
    }
    this.current_task = task;
    let next: IteratorResult<Yield, void>;
    try {
      next = body.next();
    } finally {
      this.current_task = null;
    }
    if (next.done === true) {
      task.finished = true;
      return;
    }
    if (next.value === Yield.sleep) {
      task.sleeping = true;
      return;
    }
    this.schedule(task.now_ns, Priority.task, this.task_resume_kind, task.id);
  }
}
