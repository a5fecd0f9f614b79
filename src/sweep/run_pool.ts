import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import type { RunOutcome, RunTask } from './execute.js';

/** The built worker entry beside this module (dist/sweep/run_worker.js). */
const WORKER = new URL('./run_worker.js', import.meta.url).href;

/** Threads by default: one per core, as one run uses one core (DESIGN.md section 8). */
export function default_workers(): number {
  return availableParallelism();
}

/**
 * A pool of worker threads running one simulation each at a time. Runs are CPU-bound and
 * synchronous, so they must leave the main thread: it keeps writing results, drawing
 * progress and, in a queue worker, renewing job locks.
 */
export class RunPool {
  private constructor(private readonly pool: Piscina<RunTask, RunOutcome>) {}

  /** Loads piscina only when a pool is made, so commands without one start faster. */
  static async create(workers: number): Promise<RunPool> {
    if (!Number.isSafeInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer (got ${workers})`);
    const { Piscina } = await import('piscina');
    return new RunPool(new Piscina({ filename: WORKER, minThreads: workers, maxThreads: workers, idleTimeout: 60_000 }));
  }

  run(task: RunTask): Promise<RunOutcome> {
    return this.pool.run(task);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
