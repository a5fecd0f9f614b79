import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { review, SweepError, SUITE_NAMES, SUITE_VERSIONS, suiteEntries, stable_json, type ReviewResult, type SuiteName } from '../index.js';
import { ReviewIncompleteError } from '../review/review.js';
import { write_review_html } from '../review/review_html.js';
import { printable_lines } from './printable.js';
import { parse_positive } from './parse_positive.js';
import { format_review } from './review_format.js';

interface ReviewCliOptions {
  against: string;
  suite: SuiteName;
  seeds: number;
  swarm?: number;
  maxRegression: number;
  minEffect: number;
  out?: string;
  workers?: number;
  queue?: string;
  queueName?: string;
  only?: string;
  shrink: boolean;
  list?: boolean;
}

function parse_suite(value: string): SuiteName {
  if (!(SUITE_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(SUITE_NAMES.join(', '));
  return value as SuiteName;
}

function parse_count(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('a non-negative integer');
  return Number(value);
}

function parse_percent(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a non-negative percentage, e.g. 5');
  return n;
}

function parse_seeds(value: string): number {
  const n = parse_count(value);
  if (n < 2 || n > 100) throw new InvalidArgumentError('2..100 (an interval needs two seeds)');
  return n;
}

/** `review --list`: every entry of the suite with its reason. */
function format_list(suite: SuiteName): string {
  const entries = suiteEntries(suite);
  const out = [`suite ${suite}@${SUITE_VERSIONS[suite]}: ${entries.length} scenarios (seeded: K seeds and an interval; else seed 1, exact)`];
  for (const entry of entries) {
    out.push(`${entry.id.padEnd(18)} ${entry.seeded ? 'seeded' : 'exact '} ${entry.reason}`);
    out.push(`${''.padEnd(26)}${[entry.base, ...entry.set.flatMap((s) => ['--set', s])].join(' ')}`);
  }
  return `${out.join('\n')}\n`;
}

/** Flags that say where and how fast, not what: left out of the verdict's reproducer, so equal reviews print equal text. */
const NOT_REPRODUCED = ['--out', '--workers'];

/** The command line as typed, for the verdict's reproducer. */
function typed_command(argv: readonly string[]): string {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (NOT_REPRODUCED.includes(word)) i++;
    else if (!NOT_REPRODUCED.some((flag) => word.startsWith(`${flag}=`))) words.push(word);
  }
  return ['npx', 'reclaimsim', ...words].map((w) => (/^[\w.,:=/@%+-]+$/.test(w) ? w : `'${w}'`)).join(' ');
}

/**
 * `reclaimsim review STRATEGY`: the verdict on stdout (and verdict.txt), review.json,
 * review.html and runs.jsonl in --out. Exit 0 correct with no significant regression beyond
 * --max-regression, 2 oracle findings the baseline does not share, 5 such a regression,
 * 4 the model failed on the baseline, 3 some runs failed outside the model (run again to
 * resume), 1 usage errors.
 */
export function register_review_command(program: Command, argv: readonly string[]): void {
  program
    .command('review')
    .description('review a reclaim strategy against a baseline: correctness (oracle, swarm, shrunk reproducers), gains and regressions with statistics, a mail-ready verdict')
    .argument('[strategy]', 'a built-in strategy or a module path (./mine.ts)')
    .option('--against <strategy>', 'the baseline: a built-in strategy or a module path', 'upstream')
    .option('--suite <name>', `quick (CI, about a minute), standard, or full (${SUITE_NAMES.join(', ')})`, parse_suite, 'standard' as SuiteName)
    .option('--seeds <k>', 'seeds per seeded scenario, 2..100', parse_seeds, 5)
    .option('--swarm <n>', 'random swarm scenarios run with the candidate (default: quick 100, standard 1000, full 10000; 0: none)', parse_count)
    .option('--max-regression <pct>', 'exit 5 when a gated metric is significantly worse by more than this', parse_percent, 5)
    .option('--min-effect <pct>', 'smaller changes are "same"', parse_percent, 1)
    .option('--out <dir>', 'directory for verdict.txt, review.json, review.html, runs.jsonl, findings/ (default ./review-STRATEGY-SUITE)')
    .option('--workers <n>', 'local worker threads (default one per core)', parse_positive)
    .option('--queue <redis-url>', 'run the suite on `reclaimsim worker`s through this Redis (a strategy module must be at the same path on their machines)')
    .option('--queue-name <name>', 'the queue\'s name (default as sweep\'s)')
    .option('--only <ids>', 'run only these suite entries (comma-separated; the verdict says so)')
    .option('--no-shrink', 'report findings unshrunk')
    .option('--list', 'list the suite\'s scenarios with the reason each is in it, and exit')
    .action(async (strategy: string | undefined, options: ReviewCliOptions) => {
      if (options.list === true) {
        process.stdout.write(format_list(options.suite));
        return;
      }
      if (strategy === undefined) throw new RangeError('review: give a strategy (a built-in name or a module path), or --list');
      let result: ReviewResult;
      try {
        result = await review(strategy, {
        against: options.against,
        suite: options.suite,
        seeds: options.seeds,
        max_regression: options.maxRegression,
        min_effect: options.minEffect,
        shrink: options.shrink,
        command: typed_command(argv),
        on_reused: (reused, total, file) => process.stderr.write(`reclaimsim: ${reused} of ${total} runs reused from ${file}\n`),
        ...(options.swarm === undefined ? {} : { swarm: options.swarm }),
        ...(options.out === undefined ? {} : { out: options.out }),
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.queue === undefined ? {} : { queue: options.queue }),
        ...(options.queueName === undefined ? {} : { queue_name: options.queueName }),
        ...(options.only === undefined ? {} : { only: options.only.split(',').filter((s) => s !== '') }),
        });
      } catch (error) {
        if (error instanceof SweepError) {
          // The result file is another sweep's, or cannot be written.
          process.stderr.write(`reclaimsim: ${printable_lines(error.message)}\n`);
          process.exitCode = 1;
          return;
        }
        if (!(error instanceof ReviewIncompleteError)) throw error;
        process.stderr.write(`reclaimsim: ${printable_lines(error.message)}\n`);
        process.exitCode = error.exit_code;
        return;
      }
      const text = format_review(result);
      process.stdout.write(text);
      writeFileSync(join(result.out, 'verdict.txt'), text);
      writeFileSync(join(result.out, 'review.json'), `${stable_json(result)}\n`);
      await write_review_html(join(result.out, 'review.html'), result, text, join(result.out, 'runs.jsonl'));
      process.exitCode = result.verdict.exit_code;
    });
}
