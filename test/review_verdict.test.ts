/**
 * The review's verdict over many seeded cells: Holm-Bonferroni must run over every seeded
 * cell tested the worse way, not only over those already marked worse at 5 %.
 */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../src/review/statistics.js';
import { verdict, type ScenarioComparison } from '../src/review/verdict.js';

/** A seeded, gated 'reclaim duration' cell (lower is better) whose mean rose by `change` %. */
function cell(change: number, p_value: number, cls: Cell['class']): Cell {
  return {
    metric: 'reclaim duration',
    unit: 'ns',
    better: 'lower',
    gated: true,
    base: { mean: 100, sd: 5, n: 5 },
    cand: { mean: 100 + change, sd: 5, n: 5 },
    change,
    ci: [change - 8, change + 8],
    p_value,
    exact: false,
    class: cls,
  };
}

function scenarios(first: Cell, others: number): ScenarioComparison[] {
  const out: ScenarioComparison[] = [{ id: 's0', seeded: true, seeds: [1, 2, 3, 4, 5], cells: [first], class: 'inconclusive' }];
  for (let i = 1; i <= others; i++) out.push({ id: `s${i}`, seeded: true, seeds: [1, 2, 3, 4, 5], cells: [cell(2, 0.5, 'inconclusive')], class: 'inconclusive' });
  return out;
}

describe('the verdict under many seeded cells', () => {
  it('does not fail a review on one chance mark among twenty cells moved the worse way', () => {
    // p = 0.03 is the smallest of 20: Holm compares it with 0.05 / 20.
    const v = verdict(scenarios(cell(10, 0.03, 'worse'), 19), [], false, 5);
    expect(v.exit_code).toBe(0);
    expect(v.regressions).toEqual([]);
    expect(v.worst_regression).toBeNull();
    expect(v.hurts).toEqual([]);
  });

  it('fails it when the mark survives Holm over the twenty', () => {
    const v = verdict(scenarios(cell(10, 0.001, 'worse'), 19), [], false, 5);
    expect(v.exit_code).toBe(5);
    expect(v.hurts).toEqual(['s0']);
    expect(v.regressions.map((r) => r.scenario)).toEqual(['s0']);
  });

  it('leaves cells moved the better way out of the regression family', () => {
    const better = (): ScenarioComparison[] => [...Array(19).keys()].map((i) => ({ id: `b${i}`, seeded: true, seeds: [1, 2, 3, 4, 5], cells: [cell(-2, 0.5, 'inconclusive')], class: 'inconclusive' as const }));
    const v = verdict([...scenarios(cell(10, 0.03, 'worse'), 0), ...better()], [], false, 5);
    expect(v.exit_code).toBe(5);
  });
});
