#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  listScenarios,
  listStrategies,
  loadScenario,
  resultJson,
  runScenario,
  ScenarioError,
  SimulationError,
} from '../index.js';
import { format_run } from './format.js';

/** Exit codes: 0 done (findings included), 1 bad usage or scenario, 4 the model crashed. */
const EXIT_USAGE = 1;
const EXIT_CRASH = 4;

function parse_seed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('a non-negative integer');
  }
  return Number(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
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
    .option('--json <file>', 'write the result contract (reclaimsim/result@1) to a file')
    .action((scenario_arg: string, options: { strategy: string; seed?: number; set: string[]; json?: string }) => {
      const scenario = loadScenario(scenario_arg, options.set);
      const command = ['reclaimsim', ...argv].join(' ');
      try {
        const result = runScenario(scenario, { strategy: options.strategy, ...(options.seed === undefined ? {} : { seed: options.seed }) });
        process.stdout.write(format_run(result));
        if (options.json !== undefined) writeFileSync(options.json, resultJson([result]));
      } catch (error) {
        if (error instanceof SimulationError) {
          process.stderr.write(
            `reclaimsim: the model failed: ${error.message}\n  seed ${error.seed}, strategy ${error.strategy}, scenario ${error.scenario_name}\n  reproduce: ${command}\n`,
          );
          process.exitCode = EXIT_CRASH;
          return;
        }
        throw error;
      }
    });

  program
    .command('scenarios')
    .description('list the built-in scenarios')
    .action(() => {
      for (const { name, description } of listScenarios()) process.stdout.write(`${name.padEnd(22)}${description}\n`);
    });

  program
    .command('strategies')
    .description('list the built-in reclaim strategies')
    .action(() => {
      for (const name of listStrategies()) process.stdout.write(`${name}\n`);
    });
  return program;
}

function main(argv: readonly string[]): void {
  const program = build_program(argv);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    if (error instanceof ScenarioError) {
      process.stderr.write(`reclaimsim: invalid scenario\n${error.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    if (error instanceof RangeError) {
      process.stderr.write(`reclaimsim: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    throw error;
  }
}

main(process.argv.slice(2));
