import { canonical_lines } from './canonical.js';
import { expand_grid, type RunSpec } from './grid.js';
import { run_local } from './local_executor.js';
import { run_on_queue } from './queue_executor.js';
import { check_queue_name, DEFAULT_QUEUE_NAME, queue_connection } from './queue_connection.js';
import { terminal_progress, wants_progress, type ProgressCounts, type ProgressSink } from './progress.js';
import { report_title, write_report } from './report_html.js';
import { result_line, type ResultLine } from './result_line.js';
import { ResultsFile } from './results_file.js';
import type { RunListener } from './run_listener.js';
import { default_workers } from './run_pool.js';
import { parse_shard, shard_runs, type Shard } from './shard.js';
import { SweepError } from './sweep_error.js';
import { read_sweep_file } from './sweep_file.js';

export interface SweepOptions {
  /** The JSONL result file; default `<sweep name>.jsonl` (`<name>.shard-<i>-of-<N>.jsonl` for a shard). */
  out?: string;
  /** Worker threads of the local pool; default one per core. */
  workers?: number;
  /** `i/N`: run only that fixed slice of the grid. */
  shard?: string;
  /** `redis://host:port`: run on BullMQ workers instead of locally. */
  queue?: string;
  queue_name?: string;
  /** The HTML report; default the result file with `.html`; false for none. */
  report?: string | false;
  /** Progress as runs end; default a bar on stderr when it is a terminal and this is not CI. */
  progress?: ProgressSink | false;
}

export interface SweepSummary {
  name: string;
  out: string;
  report: string | null;
  /** Runs of this invocation's grid (or shard). */
  total: number;
  /** Found in the result file already: not run again. */
  skipped: number;
  /** Run now and recorded (results and model failures). */
  done: number;
  /** Runs whose recorded outcome is a model failure (this invocation's or an earlier one's). */
  model_failures: number;
  /** Runs that failed for a reason outside the model (a worker died, …): not recorded, retried next time. */
  failed: { id: string; reason: string }[];
  /** Bytes of a cut-off last line (from an interrupted run) removed from the result file. */
  repaired_bytes: number;
}

function default_out(name: string, shard: Shard | null): string {
  return shard === null ? `${name}.jsonl` : `${name}.shard-${shard.index}-of-${shard.count}.jsonl`;
}

/**
 * Runs a sweep file: expands its grid, skips the runs its result file already holds, runs the
 * rest on the local pool or a queue, appending each line as it ends, then rewrites the file in
 * grid order and writes the report. Interrupted at any point and run again, it resumes: every
 * run ends up in the file exactly once, and the final file does not depend on the order runs
 * completed in, on the executor, or on the number of workers.
 */
export async function run_sweep(file: string, options: SweepOptions = {}): Promise<SweepSummary> {
  const spec = read_sweep_file(file);
  const grid = expand_grid(spec);
  return (await run_grid(spec.name, grid, options)).summary;
}

/** What run_grid did, with the canonical result lines of its runs (the shard's, with --shard). */
export interface GridOutcome {
  summary: SweepSummary;
  lines: ResultLine[];
}

/**
 * Everything of a sweep after its grid is expanded (run_sweep, and review's plan): resume
 * from the result file, the pool or the queue, the canonical rewrite, the report. Every run
 * of `grid` must carry `name` as its sweep.
 */
export async function run_grid(name: string, grid: readonly RunSpec[], options: SweepOptions = {}): Promise<GridOutcome> {
  const shard = options.shard === undefined ? null : parse_shard(options.shard);
  if (shard !== null && options.queue !== undefined) throw new RangeError('--shard and --queue exclude each other: a queue balances the whole grid');
  const queue_name = options.queue_name ?? DEFAULT_QUEUE_NAME;
  check_queue_name(queue_name);
  if (options.queue !== undefined) queue_connection(options.queue);
  const runs = shard === null ? grid : shard_runs(grid, shard);
  const out = options.out ?? default_out(name, shard);
  const report = options.report === false ? null : (options.report ?? out.replace(/(\.jsonl)?$/, '.html'));
  const results = new ResultsFile(out);
  const bar = options.progress === undefined && wants_progress() ? terminal_progress(process.stderr) : null;
  const sink = bar?.sink ?? (options.progress || (() => {}));
  try {
    const foreign = results.lines.findIndex((line) => line.sweep !== name);
    if (foreign >= 0) {
      const line = results.lines[foreign] as ResultLine;
      throw new SweepError(`${out}:${foreign + 1}: run ${line.id} is of sweep "${line.sweep}", not "${name}": give this sweep its own --out`);
    }
    const recorded = new Set(results.lines.map((line) => line.id));
    const pending: RunSpec[] = runs.filter((run) => !recorded.has(run.id));
    const counts: ProgressCounts = { total: runs.length, skipped: runs.length - pending.length, done: 0, failed: 0 };
    const appended: ResultLine[] = [];
    const failed: SweepSummary['failed'] = [];
    const listener: RunListener = {
      done(run, outcome) {
        const line = result_line(run, outcome);
        results.append(line);
        appended.push(line);
        counts.done++;
        sink(counts);
      },
      failed(run, reason) {
        failed.push({ id: run.id, reason });
        counts.failed++;
        sink(counts);
      },
    };
    sink(counts);
    if (options.queue !== undefined) await run_on_queue(pending, { url: options.queue, name: queue_name }, listener);
    else await run_local(pending, options.workers ?? default_workers(), listener);
    const canonical = canonical_lines([...results.lines, ...appended], new Map(grid.map((run) => [run.id, run.index])));
    results.rewrite(canonical.lines);
    const ids = new Set(runs.map((run) => run.id));
    const mine = canonical.lines.filter((line) => ids.has(line.id));
    if (report !== null) await write_report(report, report_title(mine, out), mine);
    const summary: SweepSummary = {
      name,
      out,
      report,
      total: runs.length,
      skipped: counts.skipped,
      done: counts.done,
      model_failures: mine.filter((line) => line.error !== undefined).length,
      failed,
      repaired_bytes: results.repaired_bytes,
    };
    return { summary, lines: mine };
  } finally {
    bar?.end();
    results.close();
  }
}
