import { stable_json } from '../run/result.js';
import { without_wall, type ResultLine } from './result_line.js';

/** Result lines in canonical order, each run once, and how many duplicates disagreed. */
export interface CanonicalLines {
  lines: ResultLine[];
  duplicates: number;
  /** Duplicates whose results differ beyond wall time (e.g. from different model versions). */
  conflicts: number;
}

function by_index(a: ResultLine, b: ResultLine): number {
  return a.index - b.index || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The canonical form of a set of result lines, which never depends on the order runs
 * completed in: one line per run id (the first seen), sorted by grid index. Given the current
 * grid (`grid`: id → index), lines of the grid take its index and come first, and lines of
 * runs no longer in it follow, kept rather than lost.
 */
export function canonical_lines(lines: readonly ResultLine[], grid?: ReadonlyMap<string, number>): CanonicalLines {
  const first = new Map<string, ResultLine>();
  let duplicates = 0;
  let conflicts = 0;
  for (const line of lines) {
    const seen = first.get(line.id);
    if (seen === undefined) {
      first.set(line.id, line);
      continue;
    }
    duplicates++;
    if (stable_json(without_wall(seen), 0) !== stable_json(without_wall(line), 0)) conflicts++;
  }
  const unique = [...first.values()];
  if (grid === undefined) return { lines: unique.sort(by_index), duplicates, conflicts };
  const in_grid: ResultLine[] = [];
  const others: ResultLine[] = [];
  for (const line of unique) {
    const index = grid.get(line.id);
    if (index === undefined) others.push(line);
    else in_grid.push(index === line.index ? line : { ...line, index });
  }
  return { lines: [...in_grid.sort(by_index), ...others.sort(by_index)], duplicates, conflicts };
}
