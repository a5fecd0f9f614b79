/**
 * Sweeps (DESIGN.md section 8): grids of runs on every local core, across machines through
 * BullMQ, or in fixed shards; results as JSONL keyed by run id, merged, queried with SQL and
 * charted. The library API re-exports this module from src/index.ts.
 */
export { run_sweep as runSweep, type SweepOptions, type SweepSummary } from './sweep.js';
export { start_queue_worker as startQueueWorker, type QueueWorker, type QueueWorkerOptions } from './queue_worker.js';
export { DEFAULT_QUEUE_NAME, redacted as redactedUrl } from './queue_connection.js';
export { merge_results as mergeResults, type MergeSummary } from './merge.js';
export { query_results as queryResults, type QueryResult } from './query.js';
export { format_query as formatQuery, QUERY_FORMATS, type QueryFormat } from './query_format.js';
export { read_sweep_file as readSweepFile, type SweepSpec } from './sweep_file.js';
export { expand_grid as expandGrid, type RunSpec } from './grid.js';
export { run_id as runId } from './run_id.js';
export { default_workers as defaultWorkers } from './run_pool.js';
export type { ResultLine } from './result_line.js';
export { SweepError } from './sweep_error.js';
export type { ProgressCounts, ProgressSink } from './progress.js';
