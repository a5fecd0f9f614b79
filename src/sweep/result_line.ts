import type { RunResult } from '../run/result.js';
import { stable_json } from '../run/result.js';
import type { RunOutcome } from './execute.js';
import type { RunSpec } from './grid.js';
import { SweepError } from './sweep_error.js';

/**
 * One line of a sweep's JSONL result file: a run's grid coordinates and its record (the
 * result contract's run), or the model failure it hit with the command that reproduces it.
 * Fields may be added, never renamed.
 */
export interface ResultLine {
  id: string;
  index: number;
  sweep: string;
  point: Record<string, unknown>;
  strategy: string;
  seed: number;
  result?: RunResult;
  error?: { message: string; command: string };
}

export function result_line(run: RunSpec, outcome: RunOutcome): ResultLine {
  const coordinates = { id: run.id, index: run.index, sweep: run.sweep, point: run.point, strategy: run.strategy, seed: run.seed };
  return 'result' in outcome ? { ...coordinates, result: outcome.result } : { ...coordinates, error: { message: outcome.error, command: run.command } };
}

/** A line's text: stable JSON (sorted keys) on one line, so equal runs are equal bytes. */
export function line_text(line: ResultLine): string {
  return `${stable_json(line, 0)}\n`;
}

const ID_PATTERN = /^[0-9a-f]{64}$/;

/** Parses one line of a result file; `where` ("file:line") names it in the error. */
export function parse_line(text: string, where: string): ResultLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SweepError(`${where}: not JSON, so not a sweep result line`);
  }
  const line = value as Partial<ResultLine> | null;
  if (line === null || typeof line !== 'object' || typeof line.id !== 'string' || !ID_PATTERN.test(line.id) || typeof line.index !== 'number') {
    throw new SweepError(`${where}: not a sweep result line (needs a run id and a grid index)`);
  }
  return line as ResultLine;
}

/** A line without its wall-clock time: what must be equal across executors and machines. */
export function without_wall(line: ResultLine): ResultLine {
  if (line.result === undefined) return line;
  const { wall_ms: _wall, ...result } = line.result;
  return { ...line, result: { ...result, wall_ms: 0 } };
}
