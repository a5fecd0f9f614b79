import { writeFileSync } from 'node:fs';
import type { Tracer } from '../hw/tracer.js';
import { compare_strategies, type Comparison } from '../run/compare.js';
import type { RunResult } from '../run/result.js';
import { resolve_strategy, run_scenario, type RunOptions } from '../run/run_scenario.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { comparisonCsv, recordRun, renderReport, runsCsv, type RecordedRun, type RecordOptions, type ReportRun, type TraceLimits } from '../report/index.js';
import type { Scenario } from '../scenario/schema.js';
import { parse_duration_ns } from '../scenario/units.js';
import { wants_progress } from '../sweep/progress.js';
import { RunProgress } from './run_progress.js';

/** An output file that could not be written: the message names it and the reason. */
export class OutputError extends Error {
  readonly code = 'SIM_OUTPUT';
}

/** Writes an output file; a failure names the file (ENOSPC and EIO from a write carry no path). */
export function write_output(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (typeof e.code !== 'string') throw error;
    throw new OutputError(`cannot write ${file}: ${e.message}`);
  }
}

/** The output options of `run` and `compare` (commander's camelCase names). */
export interface OutputOptions {
  report?: string;
  csv?: string;
  /** compare: the comparison's statistics as CSV. */
  statsCsv?: string;
  trace?: string;
  ftrace?: string;
  traceWindow?: string;
  traceCpus?: string;
  traceEventsMax?: string;
}

/** A sim time of --trace-window: a duration with a unit (1ms, 250us) or a ns count. */
function window_time(text: string): number {
  const ns = /^\d+$/.test(text) ? Number(text) : parse_duration_ns(text);
  if (!Number.isFinite(ns)) throw new RangeError(`--trace-window: "${text}" is not a duration (e.g. 1ms, 250us, 1500000)`);
  return ns;
}

/** --trace-cpus 0,2,4-7 */
function cpu_list(text: string, nr_cpus: number): number[] {
  const cpus = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) throw new RangeError(`--trace-cpus: "${part}" is not a CPU or a range (e.g. 0,2,4-7)`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to >= nr_cpus) throw new RangeError(`--trace-cpus: "${part}" is outside CPUs 0-${nr_cpus - 1}`);
    for (let cpu = from; cpu <= to; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** The trace limits the options ask for; checked before the run starts. */
function trace_limits(out: OutputOptions, nr_cpus: number): TraceLimits {
  const limits: TraceLimits = {};
  const limited = out.traceWindow !== undefined || out.traceCpus !== undefined || out.traceEventsMax !== undefined;
  if (limited && out.trace === undefined && out.ftrace === undefined) throw new RangeError('--trace-window, --trace-cpus and --trace-events-max limit --trace or --ftrace; give one of them');
  if (out.traceWindow !== undefined) {
    const m = /^([^:]*):([^:]*)$/.exec(out.traceWindow);
    if (m === null) throw new RangeError('--trace-window takes START:END in sim time, e.g. 1ms:2ms (either side may be empty)');
    if (m[1] !== '') limits.window_start_ns = window_time(m[1] as string);
    if (m[2] !== '') limits.window_end_ns = window_time(m[2] as string);
    if ((limits.window_end_ns ?? Infinity) <= (limits.window_start_ns ?? 0)) throw new RangeError('--trace-window: END must be after START');
  }
  if (out.traceCpus !== undefined) limits.cpus = cpu_list(out.traceCpus, nr_cpus);
  if (out.traceEventsMax !== undefined) {
    if (!/^\d+$/.test(out.traceEventsMax) || Number(out.traceEventsMax) < 1) throw new RangeError('--trace-events-max takes a positive integer');
    limits.events_max = Number(out.traceEventsMax);
  }
  return limits;
}

/**
 * A recorded run, streaming the trace files the options ask for. A failed write of a trace
 * (ENOSPC, EIO) carries no path: it is reported with the trace files' names.
 */
function recorded_with_outputs(scenario: Scenario, options: RecordOptions, out: OutputOptions): RecordedRun {
  const traces = [out.trace, out.ftrace].filter((file): file is string => file !== undefined);
  try {
    return recordRun(scenario, {
      ...options,
      ...(out.trace === undefined ? {} : { trace_json: out.trace }),
      ...(out.ftrace === undefined ? {} : { trace_text: out.ftrace }),
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (typeof e.code !== 'string' || typeof e.syscall !== 'string' || typeof e.path === 'string' || traces.length === 0) throw error;
    throw new OutputError(`cannot write ${traces.join(' or ')}: ${e.message}`);
  }
}

function progress_for(scenario: Scenario, label: string): RunProgress | null {
  return wants_progress() ? new RunProgress(process.stderr, scenario, label) : null;
}

/**
 * `run` with its outputs: runs the scenario once — recording the timeline and events when a
 * report or a trace is asked for, streaming the trace files as it goes, with a progress bar
 * on a terminal — then writes the report and the CSV.
 */
export async function run_with_outputs(scenario: Scenario, options: Omit<RunOptions, 'tracer' | 'timeline'>, out: OutputOptions): Promise<RunResult> {
  const limits = trace_limits(out, scenario.machine.cpus);
  const strategy = resolve_strategy(options.strategy ?? 'upstream');
  const progress = progress_for(scenario, `${strategy.name}, seed ${options.seed ?? scenario.seed}`);
  const also: Tracer[] = progress === null ? [] : [progress];
  let recorded: ReportRun | null = null;
  let truncated: string | null = null;
  let result: RunResult;
  try {
    if (out.report !== undefined || out.trace !== undefined || out.ftrace !== undefined) {
      const run = recorded_with_outputs(scenario, { ...options, strategy, trace_limits: limits, also }, out);
      recorded = run;
      result = run.result;
      truncated = run.trace_truncated;
    } else {
      result = run_scenario(scenario, { ...options, strategy, ...(progress === null ? {} : { tracer: progress }) });
    }
  } finally {
    progress?.end();
  }
  // The file says so too, but a reader of the terminal should not have to open it to learn it.
  if (truncated !== null) process.stderr.write(`reclaimsim: ${[out.trace, out.ftrace].filter((f) => f !== undefined).join(' and ')}: ${truncated}\n`);
  if (out.report !== undefined && recorded !== null) {
    write_output(out.report, await renderReport({ command: options.command ?? '', scenario, traced: [recorded], runs: [result] }));
  }
  if (out.csv !== undefined) write_output(out.csv, runsCsv([result]));
  return result;
}

/**
 * `compare` with its outputs. The comparison runs every strategy and seed; a report also
 * needs each strategy's timeline and events, which the comparison does not keep, so each
 * strategy runs once more on the first seed with them recorded (the same run: the model is
 * deterministic). A terminal shows a bar per recorded run and a line while the comparison runs.
 */
export async function compare_with_outputs(
  scenario: Scenario,
  strategies: readonly (string | ReclaimStrategy)[],
  seeds: readonly number[],
  options: { oracle: boolean },
  out: OutputOptions,
  command: string,
): Promise<Comparison> {
  trace_limits(out, scenario.machine.cpus);
  if (out.trace !== undefined || out.ftrace !== undefined) throw new RangeError('--trace and --ftrace record one run: use them with `reclaimsim run`');
  const resolved = strategies.map(resolve_strategy);
  const first_seed = seeds[0] ?? scenario.seed;
  const traced: ReportRun[] = [];
  if (out.report !== undefined) {
    resolved.forEach((strategy, i) => {
      const progress = progress_for(scenario, `recording ${i + 1}/${resolved.length} for the report: ${strategy.name}, seed ${first_seed}`);
      try {
        traced.push(recordRun(scenario, { strategy, seed: first_seed, oracle: options.oracle, also: progress === null ? [] : [progress] }));
      } finally {
        progress?.end();
      }
    });
  }
  const status = wants_progress();
  if (status) process.stderr.write(`comparing ${resolved.length} strategies × ${seeds.length} seed(s) (${resolved.length * seeds.length} runs)…`);
  let comparison: Comparison;
  try {
    comparison = compare_strategies(scenario, resolved, seeds, options);
  } finally {
    if (status) process.stderr.write('\r\x1b[K');
  }
  if (out.report !== undefined) write_output(out.report, await renderReport({ command, scenario, traced, runs: comparison.runs, comparison }));
  if (out.csv !== undefined) write_output(out.csv, runsCsv(comparison.runs));
  if (out.statsCsv !== undefined) write_output(out.statsCsv, comparisonCsv(comparison));
  return comparison;
}
