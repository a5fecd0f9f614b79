import { load_optional } from './optional_package.js';
import { task_of, type RunOutcome, type RunTask } from './execute.js';
import type { RunSpec } from './grid.js';
import { bounded, redis_error_reporter, queue_connection, wait_connected, type QueueTarget } from './queue_connection.js';
import { take_queue_lock } from './queue_lock.js';
import { outcome_problem, type WorkerOutcome } from './outcome_check.js';
import type { RunListener } from './run_listener.js';

/** Jobs added per round trip. */
const ENQUEUE_CHUNK = 500;
/** How long closing a client may wait on a server that is gone. */
const CLOSE_MS = 2_000;
/** How often a sweep checks the queue for what the events stream missed. */
const WATCH_MS = 2_000;

/**
 * Job options: the job id is the run id, so enqueueing again (a resumed sweep, a second
 * sweep command) finds the job instead of adding a twin; a worker that throws is retried; a
 * finished job is kept until the sweep has written its line, then removed.
 */
export const JOB_OPTIONS = { attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false } as const;


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
  const report = redis_error_reporter();
  queue.on('error', report);
  let release: () => Promise<void>;
  try {
    await wait_connected(target.url, [queue]);
    release = await take_queue_lock(await queue.backend.client, target.url, target.name);
  } catch (error) {
    // A queue events client that never connected never closes: it is made only once Redis answers.
    await bounded(queue.close(), CLOSE_MS);
    throw error;
  }
  const events = new QueueEvents(target.name, { connection });
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
    const answer: unknown = job.returnvalue;
    const problem = outcome_problem(answer, run);
    if (problem === null) {
      const { model: _model, ...outcome } = answer as WorkerOutcome;
      on.done(run, outcome);
    } else on.failed(run, problem);
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
  /**
   * What the events stream may miss: it starts over when Redis restarts. Completed and failed
   * jobs are collected from the queue itself, and runs whose jobs vanished (a Redis restarted
   * without persistence lost them) are enqueued again rather than waited for forever.
   */
  const check = async () => {
    for (const job of await queue.getJobs(['completed'])) if (job.id !== undefined) await collect(job.id);
    for (const job of await queue.getJobs(['failed'])) {
      const run = job.id === undefined ? undefined : pending.get(job.id);
      if (run !== undefined && job.id !== undefined) {
        on.failed(run, job.failedReason);
        settle(job.id);
      }
    }
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed');
    if (Object.values(counts).reduce((a, b) => a + b, 0) >= pending.size) return;
    const vanished: RunSpec[] = [];
    const ids = [...pending.keys()].filter((id) => !collecting.has(id));
    for (let i = 0; i < ids.length; i += ENQUEUE_CHUNK) {
      const chunk = ids.slice(i, i + ENQUEUE_CHUNK);
      const jobs = await Promise.all(chunk.map((id) => queue.getJob(id)));
      jobs.forEach((job, j) => {
        const run = pending.get(chunk[j] as string);
        if (job === undefined && run !== undefined) vanished.push(run);
      });
    }
    if (vanished.length === 0) return;
    process.stderr.write(`reclaimsim: ${vanished.length} queued runs vanished from Redis (restarted without persistence?): queued them again\n`);
    for (let i = 0; i < vanished.length; i += ENQUEUE_CHUNK) {
      await queue.addBulk(vanished.slice(i, i + ENQUEUE_CHUNK).map((run) => ({ name: 'run', data: task_of(run), opts: { jobId: run.id, ...JOB_OPTIONS } })));
    }
  };
  let watch: NodeJS.Timeout | undefined;
  let watching = false;
  try {
    await wait_connected(target.url, [events]);
    for (const job of await queue.getJobs(['failed'])) {
      if (job.id !== undefined && pending.has(job.id)) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
    for (let i = 0; i < runs.length; i += ENQUEUE_CHUNK) {
      const chunk = runs.slice(i, i + ENQUEUE_CHUNK);
      await queue.addBulk(chunk.map((run) => ({ name: 'run', data: task_of(run), opts: { jobId: run.id, ...JOB_OPTIONS } })));
    }
    for (const job of await queue.getJobs(['completed'])) if (job.id !== undefined) await collect(job.id);
    watch = setInterval(() => {
      if (watching) return;
      watching = true;
      void check().catch(() => {}).finally(() => (watching = false));
    }, WATCH_MS);
    await finished;
  } finally {
    clearInterval(watch);
    await bounded(release(), CLOSE_MS);
    await bounded(events.close(), CLOSE_MS);
    await bounded(queue.close(), CLOSE_MS);
  }
}
