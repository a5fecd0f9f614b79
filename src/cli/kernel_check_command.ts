import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  formatKernelCheck,
  KernelCheckError,
  kernelCheck,
  kernelCheckJson,
  KVM_MODES,
  loadScenario,
  loadStrategy,
  SimulationError,
  type KvmMode,
} from '../index.js';

/** Exit codes: 0 the comparison ran (verdicts in the table), 1 usage or setup, 3 a judged figure disagrees under --fail-on-mismatch, 4 the model failed. */
const EXIT_SETUP = 1;
const EXIT_MISMATCH = 3;
const EXIT_CRASH = 4;

interface KernelCheckCliOptions {
  kernel: string;
  strategy: string;
  set: string[];
  json?: string;
  timeout?: number;
  kvm: KvmMode;
  failOnMismatch?: boolean;
}

function parse_seconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('a positive number of seconds');
  return Number(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function write_json(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new KernelCheckError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** `reclaimsim kernel-check`: argument parsing and printing only; the work is src/kernel_check's. */
export function register_kernel_check_command(program: Command): void {
  program
    .command('kernel-check')
    .description('run a scenario in a real kernel booted under qemu and print its counts beside the model\'s')
    .argument('<scenario>', 'a scenario YAML file or the name of a built-in one')
    .requiredOption('--kernel <image>', 'a linux-image-*.deb package file (unpacked, not installed), or a bzImage with virtio-blk and zram built in')
    .option('--strategy <name>', 'the model\'s strategy: the one that models this kernel (a name or a module path)', 'upstream')
    .option('--set <path=value>', 'override a scenario field, e.g. swap.device=zram (repeatable)', collect, [])
    .option('--json <file>', 'write the result contract with a `kernel` section in the run record')
    .option('--timeout <s>', 'kill the guest after this many seconds (default 120 with KVM, 600 under emulation)', parse_seconds)
    .addOption(new Option('--kvm <mode>', 'KVM when it can run the guest, else emulation (auto); require it (on); never (off)').choices(KVM_MODES).default('auto'))
    .option('--fail-on-mismatch', 'exit 3 when a judged figure disagrees')
    .action(async (scenario_arg: string, options: KernelCheckCliOptions) => {
      const scenario = loadScenario(scenario_arg, options.set);
      const strategy = /[/\\]|\.(m?js|ts)$/.test(options.strategy) ? await loadStrategy(options.strategy) : options.strategy;
      try {
        // Checked before a boot that may take minutes, and again when writing.
        if (options.json !== undefined && !existsSync(dirname(resolve(options.json)))) throw new KernelCheckError(`--json ${options.json}: no such directory`);
        const result = await kernelCheck(scenario, {
          kernel: options.kernel,
          strategy,
          kvm: options.kvm,
          ...(options.timeout === undefined ? {} : { timeout_s: options.timeout }),
          on_progress: (line) => process.stderr.write(`reclaimsim kernel-check: ${line}\n`),
          log_name: `${new Date().toISOString().replace(/[:.]/g, '-')}-${scenario.name}`,
        });
        process.stdout.write(formatKernelCheck(result, scenario.name));
        if (options.json !== undefined) write_json(options.json, kernelCheckJson(result));
        if (options.failOnMismatch === true && !result.kernel.agree) process.exitCode = EXIT_MISMATCH;
      } catch (error) {
        if (error instanceof KernelCheckError) {
          process.stderr.write(`reclaimsim kernel-check: ${error.message}\n`);
          process.exitCode = EXIT_SETUP;
        } else if (error instanceof SimulationError) {
          process.stderr.write(`reclaimsim kernel-check: the model failed: ${error.message}\n  seed ${error.seed}, strategy ${error.strategy}, scenario ${error.scenario_name}\n`);
          process.exitCode = EXIT_CRASH;
        } else {
          throw error;
        }
      }
    });
}
