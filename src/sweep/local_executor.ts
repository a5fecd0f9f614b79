import { task_of } from './execute.js';
import type { RunSpec } from './grid.js';
import { RunPool } from './run_pool.js';
import type { RunListener } from './run_listener.js';

/** Runs on this machine's worker threads; outcomes arrive in completion order. */
export async function run_local(runs: readonly RunSpec[], workers: number, on: RunListener): Promise<void> {
  if (runs.length === 0) return;
  const pool = await RunPool.create(Math.min(workers, runs.length));
  try {
    await Promise.all(
      runs.map((run) =>
        pool.run(task_of(run)).then(
          (outcome) => on.done(run, outcome),
          (error: unknown) => on.failed(run, error instanceof Error ? error.message : String(error)),
        ),
      ),
    );
  } finally {
    await pool.close();
  }
}
