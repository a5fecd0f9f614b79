import { type Command, Option } from 'commander';
import {
  DEFAULT_QUEUE_NAME,
  defaultWorkers,
  formatQuery,
  mergeResults,
  QUERY_FORMATS,
  queryResults,
  redactedUrl,
  runSweep,
  ScenarioError,
  startQueueWorker,
  SweepError,
  type QueryFormat,
  type SweepSummary,
} from '../index.js';
import { parse_positive } from './parse_positive.js';
import { printable_lines } from './printable.js';
import { is_system_error } from './system_error.js';


/** Exit codes beyond main's: 3 some runs failed outside the model (rerun to retry), 4 the model failed on some runs. */
const EXIT_USAGE = 1;
const EXIT_INCOMPLETE = 3;
const EXIT_CRASH = 4;
/** Worker lock when none is given: BullMQ's default. */
const LOCK_MS_DEFAULT = 30_000;
/** Reasons of failed runs printed before the rest are counted. */
const REASONS_SHOWN = 5;

/** Runs a command, printing the errors a user can act on without a stack trace. */
async function reporting(what: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof ScenarioError) process.stderr.write(`reclaimsim: invalid ${what}\n${printable_lines(error.message)}\n`);
    else if (error instanceof SweepError || error instanceof RangeError || is_system_error(error)) process.stderr.write(`reclaimsim: ${printable_lines(error.message)}\n`);
    else throw error;
    process.exitCode = EXIT_USAGE;
  }
}

function print_summary(s: SweepSummary): void {
  if (s.repaired_bytes > 0) process.stderr.write(`reclaimsim: removed a cut-off last line (${s.repaired_bytes} bytes) left in ${s.out} by an interrupted run\n`);
  process.stdout.write(`sweep ${s.name}: ${s.total} runs, ${s.skipped} done before, ${s.done} run now, ${s.failed.length} failed\n`);
  process.stdout.write(`results: ${s.out}\n${s.report === null ? '' : `report:  ${s.report}\n`}`);
  if (s.model_failures > 0) {
    process.stdout.write(`${s.model_failures} runs hit a model failure: their lines hold the error and the command that reproduces it\n`);
    process.exitCode = EXIT_CRASH;
  }
  if (s.failed.length > 0) {
    // A reason may come from a worker: anything can write to a queue.
    for (const { id, reason } of s.failed.slice(0, REASONS_SHOWN)) process.stderr.write(`reclaimsim: run ${id} failed: ${printable_lines(reason).replaceAll('\n', ' ')}\n`);
    if (s.failed.length > REASONS_SHOWN) process.stderr.write(`reclaimsim: and ${s.failed.length - REASONS_SHOWN} more\n`);
    process.stderr.write('reclaimsim: failed runs are not recorded; run the same command again to retry them\n');
    process.exitCode = EXIT_INCOMPLETE;
  }
}

interface SweepCliOptions {
  out?: string;
  workers?: number;
  shard?: string;
  queue?: string;
  queueName: string;
  report?: string | boolean;
}

/** `reclaimsim sweep`, `worker`, `merge` and `query`: argument parsing only; the work is src/sweep's. */
export function register_sweep_commands(program: Command): void {
  program
    .command('sweep')
    .description('run a grid of scenarios, strategies and seeds; resumes where an interrupted run stopped')
    .argument('<file>', 'a sweep YAML file (see README, "Sweeps")')
    .option('--out <file.jsonl>', 'result file, one run per line (default: <sweep name>.jsonl)')
    .option('--workers <n>', `local worker threads (default: one per core, ${defaultWorkers()} here)`, parse_positive)
    .option('--shard <i/N>', 'run only slice i of N (0 <= i < N), e.g. $SLURM_ARRAY_TASK_ID/4')
    .option('--queue <redis-url>', 'enqueue the runs on BullMQ at redis://host:port and collect results from `reclaimsim worker`s')
    .option('--queue-name <name>', 'BullMQ queue name', DEFAULT_QUEUE_NAME)
    .option('--report <file.html>', 'HTML report (default: the result file with .html)')
    .addOption(new Option('--no-report', 'write no HTML report'))
    .action((file: string, options: SweepCliOptions) =>
      reporting('sweep', async () => {
        const summary = await runSweep(file, {
          queue_name: options.queueName,
          ...(options.out === undefined ? {} : { out: options.out }),
          ...(options.workers === undefined ? {} : { workers: options.workers }),
          ...(options.shard === undefined ? {} : { shard: options.shard }),
          ...(options.queue === undefined ? {} : { queue: options.queue }),
          ...(options.report === false ? { report: false as const } : typeof options.report === 'string' ? { report: options.report } : {}),
        });
        print_summary(summary);
      }),
    );

  program
    .command('worker')
    .description('take runs from a sweep\'s BullMQ queue and run them until stopped (SIGINT/SIGTERM finish the runs in hand)')
    .requiredOption('--queue <redis-url>', 'redis://host:port')
    .option('--queue-name <name>', 'BullMQ queue name', DEFAULT_QUEUE_NAME)
    .option('--workers <n>', 'runs at once (default: one per core)', parse_positive)
    .option('--name <name>', 'worker name shown in the jobs it takes')
    .option('--lock-ms <ms>', 'job lock; a dead worker\'s runs are retried after it', parse_positive, LOCK_MS_DEFAULT)
    .action((options: { queue: string; queueName: string; workers?: number; name?: string; lockMs: number }) =>
      reporting('worker', async () => {
        const workers = options.workers ?? defaultWorkers();
        const worker = await startQueueWorker({
          url: options.queue,
          name: options.queueName,
          workers,
          lock_ms: options.lockMs,
          ...(options.name === undefined ? {} : { worker_name: options.name }),
        });
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.stderr.write('reclaimsim worker: finishing the runs in hand\n');
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          // Said once the handlers are in place: a signal sent on reading it is a request to stop.
          process.stderr.write(`reclaimsim worker: running jobs of queue ${options.queueName} at ${redactedUrl(options.queue)} on ${workers} threads\n`);
        });
        if (await worker.close()) {
          process.stderr.write(`reclaimsim worker: Redis out of reach for ${options.lockMs} ms: stopped without the runs in hand (other workers retake them)\n`);
          process.exitCode = EXIT_USAGE;
        }
        // A client still reconnecting to a server that is gone would keep the process alive.
        process.exit();
      }),
    );

  program
    .command('merge')
    .description('merge result files (shards, machines) into one, each run once, in grid order')
    .argument('<files...>', 'JSONL result files')
    .requiredOption('--out <file.jsonl>', 'merged result file')
    .option('--report <file.html>', 'also write the HTML report')
    .option('--keep-first', 'keep the first of different results for one run (else they are refused)')
    .action((files: string[], options: { out: string; report?: string; keepFirst?: boolean }) =>
      reporting('merge', async () => {
        const m = await mergeResults(files, options.out, options.report ?? null, options.keepFirst === true);
        process.stdout.write(`merged ${m.runs} runs into ${m.out}${m.duplicates > 0 ? ` (${m.duplicates} duplicate lines dropped)` : ''}\n`);
        if (m.report !== null) process.stdout.write(`report: ${m.report}\n`);
        if (m.partial_bytes > 0) process.stderr.write(`reclaimsim: ignored cut-off last lines (${m.partial_bytes} bytes) of interrupted runs\n`);
        if (m.conflicts > 0) {
          process.stderr.write(`reclaimsim: warning: ${m.conflicts} runs have different results in different files (different model versions?); kept the first (--keep-first)\n`);
        }
        return Promise.resolve();
      }),
    );

  program
    .command('query')
    .description('SQL over result files with DuckDB: the view `runs` has one row per run')
    .argument('<files>', 'a JSONL result file or a glob (quote it)')
    .argument('<sql>', 'e.g. "select strategy, avg(list_sum(result.interrupts.TLB)) from runs group by all"')
    .addOption(new Option('--format <format>', 'output format').choices(QUERY_FORMATS).default('table'))
    .action((files: string, sql: string, options: { format: QueryFormat }) =>
      reporting('query', async () => {
        process.stdout.write(formatQuery(await queryResults(files, sql), options.format));
      }),
    );
}
