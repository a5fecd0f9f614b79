import { existsSync } from 'node:fs';
import { canonical_lines } from './canonical.js';
import { report_title, write_report } from './report_html.js';
import { stable_json } from '../run/result.js';
import { without_wall, type ResultLine } from './result_line.js';
import { read_result_lines, write_lines_atomic } from './results_file.js';
import { SweepError } from './sweep_error.js';

export interface MergeSummary {
  out: string;
  runs: number;
  /** Lines dropped because their run was already in (shards overlap, or a file was given twice). */
  duplicates: number;
  /** Duplicates whose result differs beyond wall time (kept first under keep_first; refused otherwise). */
  conflicts: number;
  /** Bytes of cut-off last lines (interrupted writes) that were not results. */
  partial_bytes: number;
  report: string | null;
}

/** Where a line was read: "file:line". */
type Located = { line: ResultLine; where: string };

/**
 * Merges result files (shards, or a sweep's files from several machines) into one canonical
 * file: each run once, in grid order. The shards of a sweep merge into the same lines as one
 * local run of it, whatever order the files are given in. Files of different sweeps are not
 * merged, and a run with different results in two files is refused (naming both lines)
 * unless `keep_first` asks to keep the first seen.
 */
export async function merge_results(inputs: readonly string[], out: string, report: string | null = null, keep_first = false): Promise<MergeSummary> {
  const lines: ResultLine[] = [];
  const first = new Map<string, Located>();
  let sweep: Located | null = null;
  let partial_bytes = 0;
  for (const input of inputs) {
    if (!existsSync(input)) throw new SweepError(`merge: ${input}: no such result file`);
    const read = read_result_lines(input);
    read.lines.forEach((line, i) => {
      const here: Located = { line, where: `${input}:${i + 1}` };
      sweep ??= here;
      if (line.sweep !== sweep.line.sweep) {
        throw new SweepError(`merge: ${here.where}: run ${line.id} is of sweep "${line.sweep}", ${sweep.where} of sweep "${sweep.line.sweep}": merge the files of one sweep`);
      }
      const seen = first.get(line.id);
      if (seen === undefined) first.set(line.id, here);
      else if (!keep_first && stable_json(without_wall(seen.line), 0) !== stable_json(without_wall(line), 0)) {
        throw new SweepError(`merge: run ${line.id} has different results at ${seen.where} and ${here.where} (different model versions?); --keep-first keeps the first`);
      }
    });
    lines.push(...read.lines);
    partial_bytes += read.partial_bytes;
  }
  const merged = canonical_lines(lines);
  write_lines_atomic(out, merged.lines);
  if (report !== null) await write_report(report, report_title(merged.lines, out), merged.lines);
  return { out, runs: merged.lines.length, duplicates: merged.duplicates, conflicts: merged.conflicts, partial_bytes, report };
}
