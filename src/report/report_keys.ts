import type { RunResult } from '../run/result.js';
import { strategy_color } from './charts.js';
import { esc } from './html.js';

/** A strategy's name behind its colour swatch: the same colour in every chart and report. */
export function strategy_key(strategy: string): string {
  return `<span class="key" style="background:${strategy_color(strategy)}"></span>${esc(strategy)}`;
}

export function verdict_badge(verdict: RunResult['oracle']['verdict']): string {
  const cls = verdict === 'correct' ? 'correct' : verdict === 'violations' ? 'violations' : 'unchecked';
  return `<span class="verdict ${cls}">${esc(verdict)}</span>`;
}

/** Each strategy's verdict over its runs: violations in any run make it "violations". */
export function verdicts(runs: readonly RunResult[]): { strategy: string; runs: RunResult[]; verdict: RunResult['oracle']['verdict'] }[] {
  return [...new Set(runs.map((r) => r.strategy))].map((strategy) => {
    const own = runs.filter((r) => r.strategy === strategy);
    const verdict: RunResult['oracle']['verdict'] = own.some((r) => r.oracle.verdict === 'violations')
      ? 'violations'
      : own.every((r) => r.oracle.verdict === 'not checked') ? 'not checked' : 'correct';
    return { strategy, runs: own, verdict };
  });
}
