import { holm_rejected, type Cell } from './statistics.js';
import type { Finding } from './findings.js';

/** One suite entry's comparison: every metric both sides have. */
export interface ScenarioComparison {
  id: string;
  seeded: boolean;
  seeds: number[];
  cells: Cell[];
  /**
   * helps: a gated metric better and none worse; hurts: a gated metric worse; same: every
   * gated metric the same; else inconclusive. Ungated metrics (lock hold, I/O shape) show in
   * the verdict's costs, not here.
   */
  class: 'helps' | 'hurts' | 'same' | 'inconclusive';
}

/** A cell with the entry it belongs to. */
export interface PlacedCell {
  scenario: string;
  cell: Cell;
}

export interface VerdictSummary {
  correct: boolean;
  exit_code: 0 | 2 | 4 | 5;
  helps: string[];
  hurts: string[];
  same: string[];
  inconclusive: string[];
  /** The largest gains, one per gated metric (at most four). */
  headline: PlacedCell[];
  /** Worse cells of ungated metrics (lock hold, I/O shape, …): shown, never failing the review. */
  costs: PlacedCell[];
  /** The largest significant regression of a gated metric, whether beyond max_regression or not. */
  worst_regression: PlacedCell | null;
  /** Gated regressions beyond max_regression: exit 5. */
  regressions: PlacedCell[];
}

const magnitude = (p: PlacedCell): number => Math.abs(p.cell.change ?? Number.POSITIVE_INFINITY);

/** Whether a cell's means moved the way its metric calls worse (significant or not). */
function moved_worse(c: Cell): boolean {
  const diff = c.cand.mean - c.base.mean;
  return c.better === 'lower' ? diff > 0 : diff < 0;
}

/**
 * The review's verdict. Correctness first: a finding the baseline does not share makes it
 * incorrect (exit 2) whatever the figures say. Otherwise a gated metric significantly worse
 * by more than max_regression percent exits 5. A seeded (estimated) worse cell counts only if
 * it survives Holm-Bonferroni over the family of every seeded cell tested whose means moved
 * the worse way — not only those already marked worse, which would shrink the family to the
 * chance hits it is meant to filter (exact cells need no test: they are known) — so 5 % of
 * cells marked by chance do not fail a review.
 */
export function verdict(scenarios: ScenarioComparison[], findings: readonly Finding[], baseline_failed: boolean, max_regression: number): VerdictSummary {
  const worse: PlacedCell[] = scenarios.flatMap((s) => s.cells.filter((c) => c.class === 'worse').map((cell) => ({ scenario: s.id, cell })));
  const family = scenarios.flatMap((s) => s.cells.filter((c) => !c.exact && c.p_value !== null && moved_worse(c)));
  const rejected = holm_rejected(family.map((c) => c.p_value as number));
  const survives = new Set(family.filter((_, i) => rejected[i] === true));
  const counted = new Set<PlacedCell>(worse.filter((w) => w.cell.exact || survives.has(w.cell)));
  const counted_cells = new Set([...counted].map((w) => w.cell));
  for (const s of scenarios) {
    if (s.cells.length === 0) s.class = 'inconclusive';
    else if (s.cells.some((cell) => cell.gated && counted_cells.has(cell))) s.class = 'hurts';
    else if (s.cells.some((c) => c.gated && c.class === 'better')) s.class = 'helps';
    else if (s.cells.every((c) => !c.gated || c.class === 'same')) s.class = 'same';
    else s.class = 'inconclusive';
  }
  const better = scenarios.flatMap((s) => s.cells.filter((c) => c.gated && c.class === 'better').map((cell) => ({ scenario: s.id, cell })));
  const headline: PlacedCell[] = [];
  for (const p of [...better].sort((a, b) => magnitude(b) - magnitude(a))) {
    if (headline.length < 4 && !headline.some((h) => h.cell.metric === p.cell.metric)) headline.push(p);
  }
  const gated_worse = [...counted].filter((w) => w.cell.gated).sort((a, b) => magnitude(b) - magnitude(a));
  const regressions = gated_worse.filter((w) => magnitude(w) > max_regression);
  const costs = [...counted].filter((w) => !w.cell.gated).sort((a, b) => magnitude(b) - magnitude(a));
  const correct = !findings.some((f) => !f.shared_with_baseline);
  const exit_code = baseline_failed ? 4 : !correct ? 2 : regressions.length > 0 ? 5 : 0;
  const by = (cls: ScenarioComparison['class']) => scenarios.filter((s) => s.class === cls);
  const order = (list: ScenarioComparison[]) => list.map((s) => s.id);
  const largest_gated = (s: ScenarioComparison) => Math.max(0, ...s.cells.filter((c) => c.gated && c.change !== null).map((c) => Math.abs(c.change as number)));
  return {
    correct,
    exit_code,
    helps: order([...by('helps')].sort((a, b) => largest_gated(b) - largest_gated(a))),
    hurts: order([...by('hurts')].sort((a, b) => largest_gated(b) - largest_gated(a))),
    same: order(by('same')),
    inconclusive: order(by('inconclusive')),
    headline,
    costs,
    worst_regression: gated_worse[0] ?? null,
    regressions,
  };
}
