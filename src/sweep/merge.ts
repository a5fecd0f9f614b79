import { existsSync } from 'node:fs';
import { canonical_lines } from './canonical.js';
import { report_title, write_report } from './report_html.js';
import type { ResultLine } from './result_line.js';
import { read_result_lines, write_lines_atomic } from './results_file.js';
import { SweepError } from './sweep_error.js';

export interface MergeSummary {
  out: string;
  runs: number;
  /** Lines dropped because their run was already in (shards overlap, or a file was given twice). */
  duplicates: number;
  /** Duplicates whose result differs beyond wall time: e.g. from different versions of the model. */
  conflicts: number;
  /** Bytes of cut-off last lines (interrupted writes) that were not results. */
  partial_bytes: number;
  report: string | null;
}

/**
 * Merges result files (shards, or a sweep's files from several machines) into one canonical
 * file: each run once, in grid order. The shards of a sweep merge into the same lines as one
 * local run of it, whatever order the files are given in.
 */
export async function merge_results(inputs: readonly string[], out: string, report: string | null = null): Promise<MergeSummary> {
  const lines: ResultLine[] = [];
  let partial_bytes = 0;
  for (const input of inputs) {
    if (!existsSync(input)) throw new SweepError(`merge: ${input}: no such result file`);
    const read = read_result_lines(input);
    lines.push(...read.lines);
    partial_bytes += read.partial_bytes;
  }
  const merged = canonical_lines(lines);
  write_lines_atomic(out, merged.lines);
  if (report !== null) await write_report(report, report_title(merged.lines, out), merged.lines);
  return { out, runs: merged.lines.length, duplicates: merged.duplicates, conflicts: merged.conflicts, partial_bytes, report };
}
