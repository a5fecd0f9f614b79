import { esc, num } from '../report/html.js';
import { parse_line, type ResultLine } from '../sweep/result_line.js';
import { write_report } from '../sweep/report_html.js';
import { readFileSync } from 'node:fs';
import type { ReviewResult } from './review.js';

function pct(x: number | null, pp: boolean): string {
  if (x === null) return '–';
  return `${x >= 0 ? '+' : ''}${x.toFixed(2)}${pp ? ' pp' : ' %'}`;
}

/** The verdict text, the findings and, per scenario, every metric with its test: the part of review.html above the sweep charts. */
function preamble(r: ReviewResult, verdict_text: string): string {
  const out: string[] = [`<pre>${esc(verdict_text)}</pre>`];
  if (r.findings.length > 0) {
    out.push('<h2>Oracle findings</h2>', '<table><tr><th>code</th><th>where</th><th>seed</th><th>count</th><th>shared with baseline</th><th>detail</th><th>reproduce</th></tr>');
    for (const f of r.findings.slice(0, 200)) {
      const where = f.scenario ?? `swarm seed ${f.swarm_seed}`;
      const reproduce = f.shrunk?.reproduce ?? f.reproduce;
      out.push(`<tr><td>${esc(f.code)}</td><td>${esc(where)}</td><td>${f.seed}</td><td>${f.count}</td><td>${f.shared_with_baseline ? 'yes' : 'no'}</td><td>${esc(f.first?.detail ?? '')}</td><td><code>${esc(reproduce)}</code></td></tr>`);
    }
    out.push('</table>');
  }
  out.push('<h2>Per scenario</h2>');
  for (const s of r.scenarios) {
    const entry = r.suite.entries.find((e) => e.id === s.id);
    out.push(`<h3>${esc(s.id)}: ${esc(s.class)}</h3>`, `<p>${esc(entry?.reason ?? '')} (seeds ${s.seeds.join(', ')}; <code>${esc([entry?.base ?? '', ...(entry?.set ?? [])].join(' '))}</code>)</p>`);
    out.push(`<table><tr><th>metric</th><th>${esc(r.against)} mean ± sd</th><th>${esc(r.strategy)} mean ± sd</th><th>change</th><th>95 % CI</th><th>p</th><th>class</th><th>gated</th></tr>`);
    for (const c of s.cells) {
      const pp = c.unit === 'pp';
      const ci = c.ci === null ? '–' : c.exact ? 'exact' : `${pct(c.ci[0], pp)} … ${pct(c.ci[1], pp)}`;
      out.push(
        `<tr><td>${esc(c.metric)}</td><td>${num(c.base.mean)} ± ${num(c.base.sd)}</td><td>${num(c.cand.mean)} ± ${num(c.cand.sd)}</td><td>${pct(c.change, pp)}</td><td>${ci}</td>` +
          `<td>${c.p_value === null ? '–' : c.p_value.toPrecision(2)}</td><td>${c.class === 'better' || c.class === 'worse' ? `*${c.class}` : c.class}</td><td>${c.gated ? 'yes' : 'no'}</td></tr>`,
      );
    }
    out.push('</table>');
  }
  out.push('<h2>Runs</h2>');
  return out.join('\n');
}

/** review.html: the verdict, the findings, per-scenario tables with marks, then the sweep report's charts over the review's runs. */
export async function write_review_html(path: string, r: ReviewResult, verdict_text: string, runs_file: string): Promise<void> {
  const seeds = new Map(r.scenarios.map((s) => [s.id, s.seeds]));
  const lines: ResultLine[] = readFileSync(runs_file, 'utf8').split('\n').filter((t) => t !== '').map((t, i) => parse_line(t, `${runs_file}:${i + 1}`))
    .filter((l) => (l.strategy === r.strategy || l.strategy === r.against) && (seeds.get(String(l.point.entry)) ?? []).includes(l.seed));
  await write_report(path, `reclaimsim review: ${r.strategy} against ${r.against}`, lines, preamble(r, verdict_text));
}
