import { load_optional } from './optional_package.js';
import type { RunOutcome, RunTask } from './execute.js';
import { redis_error_reporter, queue_connection, wait_connected, type QueueTarget } from './queue_connection.js';
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
  /** Finishes the jobs in hand, then stops. */
  close(): Promise<void>;
}

/**
 * Takes runs from a sweep's queue and runs them on a thread pool. The simulation runs off the
 * main thread, so job locks are renewed however long a run takes; a worker killed mid-run
 * stops renewing, and the other workers' stalled-job check puts its jobs back in the queue.
 */
export async function start_queue_worker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const pool = await RunPool.create(options.workers);
  // BullMQ takes a while to load: only commands that use a queue pay for it.
  const { Worker } = await load_optional<typeof import('bullmq')>('bullmq', 'a sweep on a queue (--queue, reclaimsim worker)', ['ioredis']);
  const worker = new Worker<RunTask, RunOutcome>(options.name, (job) => pool.run(job.data), {
    connection: queue_connection(options.url),
    concurrency: options.workers,
    lockDuration: options.lock_ms,
    stalledInterval: options.lock_ms,
    ...(options.worker_name === undefined ? {} : { name: options.worker_name }),
  });
  worker.on('error', redis_error_reporter());
  try {
    await wait_connected(options.url, [worker]);
  } catch (error) {
    await worker.close(true);
    await pool.close();
    throw error;
  }
  return {
    async close() {
      await worker.close();
      await pool.close();
    },
  };
}
