import type { Tracer } from '../hw/tracer.js';
import { resolve_strategy, run_scenario, type RunOptions } from '../run/run_scenario.js';
import type { Scenario } from '../scenario/schema.js';
import { ChromeTraceSink } from './chrome_trace.js';
import { FtraceTextSink } from './ftrace_text.js';
import { ReportCollector } from './report_collector.js';
import type { ReportRun } from './report_html.js';
import { TeeTracer } from './tee_tracer.js';
import { trace_context } from './trace_context.js';
import { TraceRecorder, type TraceLimits } from './trace_recorder.js';
import type { TraceSink } from './trace_sink.js';
import { TextFile } from './text_writer.js';

export interface RecordOptions extends Omit<RunOptions, 'tracer' | 'timeline'> {
  /** Write a Chrome trace-event JSON file (ui.perfetto.dev) here. */
  trace_json?: string;
  /** Write the events as ftrace text (`trace-cmd report` lines) here. */
  trace_text?: string;
  /** Window, CPUs and cap of the trace files. */
  trace_limits?: TraceLimits;
  /** More tracers to hand the events to (a progress display). */
  also?: readonly Tracer[];
}

/** A recorded run, and the note of a trace file that reached its event cap (null if none did). */
export interface RecordedRun extends ReportRun {
  trace_truncated: string | null;
}

/**
 * Runs a scenario with what a report needs recorded — the timeline and the events the
 * charts count — and streams the trace files asked for while it runs.
 */
export function record_run(scenario: Scenario, options: RecordOptions = {}): RecordedRun {
  const { trace_json, trace_text, trace_limits, also, ...run_options } = options;
  const strategy = resolve_strategy(run_options.strategy ?? 'upstream');
  const ctx = trace_context(scenario, strategy.name, run_options.seed ?? scenario.seed);
  const sinks: TraceSink[] = [];
  if (trace_json !== undefined) sinks.push(new ChromeTraceSink(new TextFile(trace_json), ctx));
  if (trace_text !== undefined) sinks.push(new FtraceTextSink(new TextFile(trace_text), ctx));
  const recorder = sinks.length === 0 ? null : new TraceRecorder(scenario.machine.cpus, sinks, trace_limits);
  const collector = new ReportCollector();
  const tracers: Tracer[] = [collector, ...(recorder === null ? [] : [recorder]), ...(also ?? [])];
  const result = run_scenario(scenario, { ...run_options, strategy, tracer: new TeeTracer(tracers), timeline: true });
  const trace_truncated = recorder?.finish(result) ?? null;
  return { result, data: collector.data, trace_truncated };
}
