import { load_optional } from './optional_package.js';
import type { RunTask } from './execute.js';
import { MODEL_VERSION } from './model_version.js';
import type { WorkerOutcome } from './outcome_check.js';
import { bounded, redis_error_reporter, queue_connection, wait_connected, type QueueTarget } from './queue_connection.js';
import { RunPool } from './run_pool.js';

export interface QueueWorkerOptions extends QueueTarget {
  /** Runs at once (threads of the pool). */
  workers: number;
  /** A name shown in the jobs it takes (BullMQ `processedBy`). */
  worker_name?: string;
  /**
   * How long a job's lock lasts without renewal: a worker that died is noticed after this
   * and its jobs go back to the queue.
   */
  lock_ms: number;
}

export interface QueueWorker {
  /**
   * Finishes the jobs in hand, then stops; true if it had to stop without them because Redis
   * stayed out of reach for a lock's length (their locks lapsed: other workers retake them).
   */
  close(): Promise<boolean>;
}

/** How often a closing worker checks whether Redis is still there. */
const CLOSE_POLL_MS = 500;
/** The longest pause between two reconnection attempts (ioredis's default retry strategy caps it at 2 s). */
const RECONNECT_MAX_MS = 3_000;

/**
 * Takes runs from a sweep's queue and runs them on a thread pool. The simulation runs off the
 * main thread, so job locks are renewed however long a run takes; a worker killed mid-run
 * stops renewing, and the other workers' stalled-job check puts its jobs back in the queue.
 */
export async function start_queue_worker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const pool = await RunPool.create(options.workers);
  // BullMQ takes a while to load: only commands that use a queue pay for it.
  const { Worker } = await load_optional<typeof import('bullmq')>('bullmq', 'a sweep on a queue (--queue, reclaimsim worker)', ['ioredis']);
  const worker = new Worker<RunTask, WorkerOutcome>(options.name, async (job) => ({ ...(await pool.run(job.data)), model: MODEL_VERSION }), {
    connection: queue_connection(options.url),
    concurrency: options.workers,
    lockDuration: options.lock_ms,
    stalledInterval: options.lock_ms,
    ...(options.worker_name === undefined ? {} : { name: options.worker_name }),
  });
  worker.on('error', redis_error_reporter());
  // Connection errors repeat while Redis is out of reach (each reconnection attempt fails).
  let last_error_ms = -Infinity;
  worker.on('error', () => {
    last_error_ms = performance.now();
  });
  try {
    await wait_connected(options.url, [worker]);
  } catch (error) {
    await bounded(worker.close(true), CLOSE_POLL_MS);
    await pool.close();
    throw error;
  }
  return {
    async close() {
      const closing = worker.close().then(() => true);
      let unreachable_ms = 0;
      let forced = false;
      while ((await bounded(closing, CLOSE_POLL_MS)) !== true) {
        unreachable_ms = performance.now() - last_error_ms < RECONNECT_MAX_MS ? unreachable_ms + CLOSE_POLL_MS : 0;
        if (unreachable_ms >= options.lock_ms) {
          forced = true;
          break;
        }
      }
      await pool.close();
      return forced;
    },
  };
}
