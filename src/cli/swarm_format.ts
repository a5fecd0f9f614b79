import { COVERAGE_KEYS, type SwarmSummary } from '../index.js';

/** Findings printed in full; the rest are counted (and all are in --json). */
const FINDINGS_PRINTED = 20;

/** The swarm's text summary: verdicts per strategy, the first findings with their reproducers and scenarios, and the coverage. */
export function format_swarm(summary: SwarmSummary): string {
  const out: string[] = [];
  const last = summary.first_seed + summary.runs - 1;
  out.push(`swarm: ${summary.runs} scenarios (seeds ${summary.first_seed}..${last}) x ${summary.strategies.join(', ')}`);
  for (const strategy of summary.strategies) {
    const counts = summary.by_strategy[strategy] ?? {};
    const text = Object.keys(counts).length === 0 ? 'no violation' : Object.entries(counts).map(([code, n]) => `${code} in ${n} scenario(s)`).join(', ');
    out.push(`  ${strategy.padEnd(12)}${text}`);
  }
  for (const f of summary.findings.slice(0, FINDINGS_PRINTED)) {
    out.push(`  seed ${f.seed} ${f.strategy} ${f.code} x${f.count}: ${f.detail}`);
    out.push(`    scenario: ${f.scenario_summary}`);
    out.push(`    reproduce: ${f.reproduce}`);
  }
  const unprinted = summary.findings.length - FINDINGS_PRINTED;
  if (unprinted > 0) out.push(`  ... and ${unprinted} more finding(s) not printed (--json FILE lists every one)`);
  out.push('coverage (total, and runs exercising it):');
  out.push(`  ${''.padEnd(28)}${summary.strategies.map((s) => s.padStart(24)).join('')}`);
  for (const key of COVERAGE_KEYS) {
    const cells = summary.strategies.map((s) => {
      const c = summary.coverage[s];
      return `${c?.totals[key] ?? 0} in ${c?.runs_with[key] ?? 0}`.padStart(24);
    });
    out.push(`  ${key.padEnd(28)}${cells.join('')}`);
  }
  return `${out.join('\n')}\n`;
}
