#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  listScenarios,
  listStrategies,
  loadScenario,
  loadStrategy,
  resultJson,
  runSwarm,
  ScenarioError,
  SimulationError,
  SimulationLimitError,
  type ReclaimStrategy,
} from '../index.js';
import { StrategyModuleError } from '../run/strategy_module.js';
import { format_comparison } from './compare_format.js';
import { format_swarm } from './swarm_format.js';
import { format_run } from './format.js';
import { format_presets } from './presets_format.js';
import { parse_positive } from './parse_positive.js';
import { compare_with_outputs, OutputError, run_with_outputs, write_output, type OutputOptions } from './outputs.js';
import { printable_lines } from './printable.js';
import { is_system_error } from './system_error.js';
import { register_sweep_commands } from './sweep_commands.js';
import { register_kernel_check_command } from './kernel_check_command.js';
import { register_review_command } from './review_command.js';

/** Exit codes: 0 done (findings included), 1 bad usage or scenario, 2 a violation under --fail-on-violation, 4 the model crashed. */
const EXIT_USAGE = 1;
const EXIT_VIOLATION = 2;
const EXIT_CRASH = 4;

function parse_on_off(value: string): boolean {
  if (value !== 'on' && value !== 'off') throw new InvalidArgumentError('on or off');
  return value === 'on';
}

function parse_seed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('a non-negative integer');
  }
  return Number(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A built-in strategy name, or a path to a user strategy module (.js, .mjs or .ts). */
async function strategy_arg(value: string): Promise<string | ReclaimStrategy> {
  return /[/\\]|\.(m?js|ts)$/.test(value) ? loadStrategy(value) : value;
}

interface RunCliOptions extends OutputOptions {
  preset?: string;
  strategy: string;
  seed?: number;
  set: string[];
  json?: string;
  oracle: boolean;
  failOnViolation?: boolean;
}

interface CompareCliOptions extends OutputOptions {
  preset?: string;
  strategies: string;
  seeds: number;
  set: string[];
  json?: string;
  oracle: boolean;
  failOnViolation?: boolean;
}

/** The command line that reproduces a run: this one, with its seed made explicit. */
function reproduce_command(argv: readonly string[], seed: number): string {
  const args = argv.includes('--seed') ? [...argv] : [...argv, '--seed', String(seed)];
  return ['reclaimsim', ...args].join(' ');
}

/** The oracle's findings up to a model failure, one line each (often the failure's explanation). */
function format_findings_so_far(error: SimulationError): string {
  if (error.findings.length === 0) return '  the oracle found nothing before the failure\n';
  const lines = error.findings.map((v) => `    ${v.code} x${v.count}: ${v.first.detail} (${v.rule})\n`);
  return `  the oracle's findings before the failure:\n${lines.join('')}`;
}

/** Runs `body`; a model failure prints the seed, the reproducing command and the oracle's findings so far, and exits 4. */
async function reporting_crashes(argv: readonly string[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    if (error instanceof SimulationLimitError) {
      process.stderr.write(
        printable_lines(`reclaimsim: the run went past the model's bounds: ${error.message}\n  (README "Limits": at most one hour of simulated time; a short access interval or many passes need many events)\n  reproduce: ${['reclaimsim', ...argv].join(' ')}`) + '\n',
      );
      process.exitCode = EXIT_USAGE;
      return;
    }
    process.stderr.write(
      printable_lines(`reclaimsim: the model failed: ${error.message}\n  seed ${error.seed}, strategy ${error.strategy}, scenario ${error.scenario_name}\n  reproduce: ${['reclaimsim', ...argv].join(' ')}\n${format_findings_so_far(error)}`),
    );
    process.exitCode = EXIT_CRASH;
  }
}

function build_program(argv: readonly string[]): Command {
  const program = new Command('reclaimsim')
    .description('Deterministic simulator of Linux page reclaim, TLB shootdowns and swap I/O')
    .exitOverride()
    .showHelpAfterError();

  program
    .command('run')
    .description('run one scenario with one strategy and print a summary')
    .argument('<scenario>', 'a scenario YAML file or the name of a built-in one (see `reclaimsim scenarios`)')
    .option('--strategy <name>', 'reclaim strategy (see `reclaimsim strategies`)', 'upstream')
    .option('--seed <n>', 'seed (default: the scenario\'s)', parse_seed)
    .option('--set <path=value>', 'override a scenario field, e.g. machine.cpus=8 (repeatable)', collect, [])
    .option('--preset <name>', 'run on a real machine\'s preset (see `reclaimsim presets`); --set still overrides it')
    .option('--json <file>', 'write the result contract (reclaimsim/result@1) to a file')
    .option('--oracle <on|off>', 'check correctness beside the model', parse_on_off, true)
    .option('--fail-on-violation', 'exit 2 when the oracle finds a violation')
    .option('--report <file.html>', 'write a self-contained HTML report (charts, tables, the oracle\'s findings)')
    .option('--csv <file>', 'write the run as a CSV row, one column per counter')
    .option('--trace <file.json>', 'write a Chrome trace-event JSON file (open it in ui.perfetto.dev)')
    .option('--ftrace <file.txt>', 'write the events as ftrace text (trace-cmd report lines)')
    .option('--trace-window <start:end>', 'trace only events in this sim-time window, e.g. 1ms:2ms')
    .option('--trace-cpus <list>', 'trace only these CPUs, e.g. 0,1 or 0-3')
    .option('--trace-events-max <n>', 'stop a trace after this many events (default 200000)')
    .action(async (scenario_arg: string, options: RunCliOptions) => {
      const scenario = loadScenario(scenario_arg, with_preset(options.set, options.preset));
      const strategy = await strategy_arg(options.strategy);
      await reporting_crashes(argv, async () => {
        const result = await run_with_outputs(scenario, {
          strategy,
          oracle: options.oracle,
          command: reproduce_command(argv, options.seed ?? scenario.seed),
          ...(options.seed === undefined ? {} : { seed: options.seed }),
        }, options);
        process.stdout.write(format_run(result));
        if (options.json !== undefined) write_output(options.json, resultJson([result]));
        if (options.failOnViolation === true && result.oracle.violations.length > 0) process.exitCode = EXIT_VIOLATION;
      });
    });

  program
    .command('compare')
    .description('run several strategies on the same scenario and seeds and tabulate every figure')
    .argument('<scenario>', 'a scenario YAML file or the name of a built-in one')
    .option('--strategies <list>', 'comma-separated strategies or module paths; the first is the baseline', listStrategies().join(','))
    .option('--seeds <n>', 'number of seeds, from the scenario\'s seed on', parse_positive, 1)
    .option('--set <path=value>', 'override a scenario field (repeatable)', collect, [])
    .option('--preset <name>', 'run on a real machine\'s preset (see `reclaimsim presets`); --set still overrides it')
    .option('--json <file>', 'write every run in the result contract to a file, with the comparison and its statistics')
    .option('--oracle <on|off>', 'check correctness beside the model', parse_on_off, true)
    .option('--fail-on-violation', 'exit 2 when the oracle finds a violation in any run')
    .option('--report <file.html>', 'write a self-contained HTML report (comparison, charts per strategy, the oracle\'s findings)')
    .option('--csv <file>', 'write every run as a CSV row, one column per counter')
    .option('--stats-csv <file>', 'write the comparison as CSV: per figure and strategy the mean, spread, change, Welch\'s t-test p-value and mark')
    .action(async (scenario_arg: string, options: CompareCliOptions) => {
      const scenario = loadScenario(scenario_arg, with_preset(options.set, options.preset));
      const names = options.strategies.split(',').filter((s) => s !== '');
      if (names.length === 0) throw new RangeError(`--strategies: give at least one strategy (built in: ${listStrategies().join(', ')})`);
      const strategies = await Promise.all(names.map(strategy_arg));
      const seeds = Array.from({ length: options.seeds }, (_, i) => scenario.seed + i);
      await reporting_crashes(argv, async () => {
        const comparison = await compare_with_outputs(scenario, strategies, seeds, { oracle: options.oracle }, options, ['reclaimsim', ...argv].join(' '));
        process.stdout.write(`reclaimsim compare: ${scenario.name}\n${format_comparison(comparison)}`);
        if (options.json !== undefined) write_output(options.json, resultJson(comparison.runs, comparison));
        if (options.failOnViolation === true && comparison.runs.some((r) => r.oracle.violations.length > 0)) process.exitCode = EXIT_VIOLATION;
      });
    });

  program
    .command('swarm')
    .description('run the oracle over random small scenarios (one seed each) and report every violation')
    .option('--runs <n>', 'number of random scenarios', parse_positive, 1000)
    .option('--first-seed <n>', 'seed of the first scenario', parse_seed, 1)
    .option('--strategies <list>', 'comma-separated strategies or module paths', 'upstream,batched')
    .option('--json <file>', 'write the summary, coverage and every finding as JSON')
    .option('--fail-on-violation', 'exit 2 when any violation (or model failure) is found')
    .action(async (options: { runs: number; firstSeed: number; strategies: string; json?: string; failOnViolation?: boolean }) => {
      const args = options.strategies.split(',').filter((s) => s !== '');
      if (args.length === 0) throw new RangeError(`--strategies: give at least one strategy (built in: ${listStrategies().join(', ')})`);
      if (!Number.isSafeInteger(options.firstSeed + options.runs - 1)) throw new RangeError(`--first-seed ${options.firstSeed} with --runs ${options.runs}: the last seed would be past ${Number.MAX_SAFE_INTEGER}`);
      const strategies = await Promise.all(args.map(strategy_arg));
      const progress = process.stderr.isTTY && process.env.CI === undefined;
      const summary = runSwarm(strategies, options.runs, options.firstSeed, (done) => {
        if (progress && done % 100 === 0) process.stderr.write(`\r${done}/${options.runs} scenarios`);
      }, { strategy_args: args });
      if (progress) process.stderr.write('\n');
      process.stdout.write(format_swarm(summary));
      if (options.json !== undefined) write_output(options.json, `${JSON.stringify(summary, null, 2)}\n`);
      if (options.failOnViolation === true && summary.findings.length > 0) process.exitCode = EXIT_VIOLATION;
    });

  program
    .command('scenarios')
    .description('list the built-in scenarios')
    .action(() => {
      for (const { name, description } of listScenarios()) process.stdout.write(`${name.padEnd(22)}${description}\n`);
    });

  program
    .command('presets')
    .description('list the machine presets (machine.preset, --preset) and what each value rests on')
    .action(() => {
      process.stdout.write(format_presets());
    });

  program
    .command('strategies')
    .description('list the built-in reclaim strategies')
    .action(() => {
      for (const name of listStrategies()) process.stdout.write(`${name}\n`);
    });
  register_sweep_commands(program);
  register_kernel_check_command(program);
  register_review_command(program, argv);
  return program;
}

/** --preset NAME is machine.preset=NAME given first, so that a --set of a machine field still wins. */
function with_preset(sets: string[], preset: string | undefined): string[] {
  return preset === undefined ? sets : [`machine.preset=${preset}`, ...sets];
}


async function main(argv: readonly string[]): Promise<void> {
  const program = build_program(argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    if (error instanceof ScenarioError) {
      process.stderr.write(`reclaimsim: invalid scenario\n${printable_lines(error.message)}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    if (error instanceof RangeError || error instanceof StrategyModuleError || error instanceof InvalidArgumentError || error instanceof OutputError || is_system_error(error)) {
      process.stderr.write(`reclaimsim: ${printable_lines(error.message)}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    throw error;
  }
}

// A reader that stops early (`reclaimsim scenarios | head -1`) ends the command, quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

await main(process.argv.slice(2));
