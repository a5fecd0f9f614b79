/**
 * Checks of a Chrome trace-event file that Perfetto's JSON importer relies on: required
 * fields, strictly nested X slices per track, monotonic timestamps per track once sorted, and
 * a name for every process and thread that carries events.
 */
export interface TraceEvent {
  name: string;
  ph: string;
  ts?: number;
  dur?: number;
  pid: number;
  tid?: number;
  s?: string;
  args?: Record<string, unknown>;
}

export interface TraceFile {
  displayTimeUnit: string;
  traceEvents: TraceEvent[];
  otherData: { reclaimsim: { truncated: string | null; events: number; late_events: number } };
}

/** Returns the problems found (empty when the trace is well-formed). */
export function structure_problems(trace: TraceFile): string[] {
  const problems: string[] = [];
  const tracks = new Map<string, TraceEvent[]>();
  for (const e of trace.traceEvents) {
    if (typeof e.name !== 'string' || typeof e.ph !== 'string' || typeof e.pid !== 'number') problems.push(`fields: ${JSON.stringify(e)}`);
    if (e.ph === 'M') continue;
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0) problems.push(`ts: ${JSON.stringify(e)}`);
    if (e.ph !== 'C' && typeof e.tid !== 'number') problems.push(`tid: ${JSON.stringify(e)}`);
    if (e.ph === 'X' && (typeof e.dur !== 'number' || e.dur < 0)) problems.push(`dur: ${JSON.stringify(e)}`);
    if (e.ph === 'i' && !['t', 'p', 'g'].includes(e.s ?? '')) problems.push(`scope: ${JSON.stringify(e)}`);
    const key = `${e.pid}/${e.ph === 'C' ? `counter ${e.name}` : e.tid}`;
    let list = tracks.get(key);
    if (list === undefined) tracks.set(key, (list = []));
    list.push(e);
  }
  for (const [key, events] of tracks) {
    const sorted = [...events].sort((a, b) => (a.ts as number) - (b.ts as number) || (b.dur ?? 0) - (a.dur ?? 0));
    for (let i = 1; i < sorted.length; i++) if ((sorted[i]?.ts as number) < (sorted[i - 1]?.ts as number)) problems.push(`${key}: not monotonic`);
    // Strict nesting of X slices: a slice that starts inside another ends inside it too.
    const open: TraceEvent[] = [];
    const eps = 1e-6;
    for (const e of sorted.filter((x) => x.ph === 'X')) {
      const end = (e.ts as number) + (e.dur as number);
      while (open.length > 0 && (open[open.length - 1]?.ts as number) + (open[open.length - 1]?.dur as number) <= (e.ts as number) + eps) open.pop();
      const parent = open[open.length - 1];
      if (parent !== undefined && end > (parent.ts as number) + (parent.dur as number) + eps) problems.push(`${key}: ${e.name} at ${e.ts} overlaps ${parent.name} at ${parent.ts}`);
      open.push(e);
    }
  }
  return problems;
}

/** Processes and threads that carry events but have no process_name / thread_name. */
export function unnamed_tracks(trace: TraceFile): string[] {
  const meta = trace.traceEvents.filter((e) => e.ph === 'M');
  const processes = new Set(meta.filter((e) => e.name === 'process_name' && typeof e.args?.name === 'string' && e.args.name !== '').map((e) => e.pid));
  const threads = new Set(meta.filter((e) => e.name === 'thread_name' && typeof e.args?.name === 'string' && e.args.name !== '').map((e) => `${e.pid}/${e.tid}`));
  const missing = new Set<string>();
  for (const e of trace.traceEvents) {
    if (e.ph === 'M') continue;
    if (!processes.has(e.pid)) missing.add(`process ${e.pid}`);
    if (e.ph !== 'C' && !threads.has(`${e.pid}/${e.tid}`)) missing.add(`thread ${e.pid}/${e.tid}`);
  }
  return [...missing];
}
