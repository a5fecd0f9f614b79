/** Counts a sweep reports as it goes. */
export interface ProgressCounts {
  total: number;
  /** Done before this invocation (resumed from the result file). */
  skipped: number;
  done: number;
  failed: number;
}

/** Receives the counts whenever a run ends. */
export type ProgressSink = (counts: ProgressCounts) => void;

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * A one-line progress bar on a terminal: runs done, failed and the time left, estimated
 * from the pace of the runs finished in this invocation. Redrawn at most every 100 ms; the
 * wall clock here measures the user's wait and never touches results.
 */
export function terminal_progress(stream: NodeJS.WriteStream): { sink: ProgressSink; end: () => void } {
  const start = performance.now();
  let last_draw = 0;
  let drawn = false;
  const sink: ProgressSink = (c) => {
    const now = performance.now();
    const finished = c.skipped + c.done + c.failed;
    if (now - last_draw < REDRAW_MS && finished < c.total) return;
    last_draw = now;
    const filled = c.total === 0 ? BAR_WIDTH : Math.round((finished / c.total) * BAR_WIDTH);
    const ran = c.done + c.failed;
    const left = ran === 0 ? NaN : ((now - start) / 1000 / ran) * (c.total - finished);
    stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${finished}/${c.total} runs, ${c.failed} failed, ${duration(left)} left`);
    drawn = true;
  };
  const end = () => {
    if (drawn) stream.write('\r\x1b[K');
  };
  return { sink, end };
}

/** A progress bar only for a person watching: stderr is a terminal and this is not CI. */
export function wants_progress(): boolean {
  const ci = process.env.CI ?? '';
  return process.stderr.isTTY && (ci === '' || ci === 'false' || ci === '0');
}
