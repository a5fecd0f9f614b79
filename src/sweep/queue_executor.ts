import { load_optional } from './optional_package.js';
import { task_of, type RunOutcome, type RunTask } from './execute.js';
import type { RunSpec } from './grid.js';
import { redis_error_reporter, queue_connection, wait_connected, type QueueTarget } from './queue_connection.js';
import type { RunListener } from './run_listener.js';

/** Jobs added per round trip. */
const ENQUEUE_CHUNK = 500;

/**
 * Job options: the job id is the run id, so enqueueing again (a resumed sweep, a second
 * sweep command) finds the job instead of adding a twin; a worker that throws is retried; a
 * finished job is kept until the sweep has written its line, then removed.
 */
export const JOB_OPTIONS = { attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false } as const;

function is_outcome(value: unknown): value is RunOutcome {
  return value !== null && typeof value === 'object' && ('result' in value || 'error' in value);
}

/**
 * Runs on BullMQ workers (`reclaimsim worker`, any number of machines): enqueues the runs,
 * then collects each result as its job completes, including jobs that completed while no
 * sweep was collecting. Jobs that failed for good in an earlier invocation are retried.
 * Returns when every run has completed or failed for good.
 */
export async function run_on_queue(runs: readonly RunSpec[], target: QueueTarget, on: RunListener): Promise<void> {
  if (runs.length === 0) return;
  const connection = queue_connection(target.url);
  // BullMQ takes a while to load: only commands that use a queue pay for it.
  const { Queue, QueueEvents } = await load_optional<typeof import('bullmq')>('bullmq', 'a sweep on a queue (--queue, reclaimsim worker)', ['ioredis']);
  const queue = new Queue<RunTask, RunOutcome, 'run'>(target.name, { connection });
  const events = new QueueEvents(target.name, { connection });
  const report = redis_error_reporter();
  queue.on('error', report);
  events.on('error', report);
  const pending = new Map(runs.map((run) => [run.id, run]));
  const collecting = new Set<string>();
  let finish = () => {};
  let fail = (_error: unknown) => {};
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  // A failure while still enqueueing is thrown at the await below, not reported as unhandled.
  finished.catch(() => {});
  const settle = (id: string) => {
    pending.delete(id);
    if (pending.size === 0) finish();
  };
  const collect = async (id: string) => {
    const run = pending.get(id);
    if (run === undefined || collecting.has(id)) return;
    collecting.add(id);
    const job = await queue.getJob(id);
    if (job === undefined || job.finishedOn === undefined || job.failedReason) {
      collecting.delete(id);
      return;
    }
    const outcome: unknown = job.returnvalue;
    if (is_outcome(outcome)) on.done(run, outcome);
    else on.failed(run, 'the worker returned no run outcome (a different reclaimsim version?)');
    settle(id);
    await job.remove();
  };
  // Listening before anything is enqueued or scanned: no completion can slip between.
  events.on('completed', ({ jobId }) => void collect(jobId).catch(fail));
  events.on('failed', ({ jobId, failedReason }) => {
    const run = pending.get(jobId);
    if (run === undefined) return;
    on.failed(run, failedReason);
    settle(jobId);
  });
  try {
    await wait_connected(target.url, [queue, events]);
    for (const job of await queue.getJobs(['failed'])) {
      if (job.id !== undefined && pending.has(job.id)) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
    for (let i = 0; i < runs.length; i += ENQUEUE_CHUNK) {
      const chunk = runs.slice(i, i + ENQUEUE_CHUNK);
      await queue.addBulk(chunk.map((run) => ({ name: 'run', data: task_of(run), opts: { jobId: run.id, ...JOB_OPTIONS } })));
    }
    for (const job of await queue.getJobs(['completed'])) if (job.id !== undefined) await collect(job.id);
    await finished;
  } finally {
    await events.close();
    await queue.close();
  }
}
