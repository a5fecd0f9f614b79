/**
 * Results to look at: the HTML report, trace files (Chrome trace-event JSON for Perfetto,
 * ftrace text for the kernel's scripts) and CSV. The library API re-exports this module from
 * src/index.ts.
 */
export { render_report as renderReport, type ReportInput, type ReportRun } from './report_html.js';
export { record_run as recordRun, type RecordOptions, type RecordedRun } from './record_run.js';
export { comparison_csv as comparisonCsv, runs_csv as runsCsv } from './csv.js';
export { ReportCollector, type ReportData } from './report_collector.js';
export { TraceRecorder, DEFAULT_EVENTS_MAX, type TraceLimits } from './trace_recorder.js';
export { ChromeTraceSink } from './chrome_trace.js';
export { FtraceTextSink } from './ftrace_text.js';
export { trace_context as traceContext, type TraceContext, type TraceTask, type TraceDevice } from './trace_context.js';
export type { TraceSink, TraceTail } from './trace_sink.js';
export { TextFile, TextBuffer, type TextWriter } from './text_writer.js';
export { TeeTracer } from './tee_tracer.js';
