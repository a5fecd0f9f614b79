import { by_code_order } from '../review/findings.js';
import type { ReviewFinding, ReviewResult } from '../review/review.js';
import type { Cell } from '../review/statistics.js';
import type { PlacedCell } from '../review/verdict.js';

/** The verdict is pasted under a patch's `---` line or into a reply: plain ASCII, at most this wide. */
export const VERDICT_WIDTH = 80;

function three(x: number): string {
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** A value in its unit, short: 31.1ms, 262655, 1.2M/s, -8.12%. */
export function value_text(v: number, unit: Cell['unit']): string {
  if (unit === 'pp') return `${v >= 0 ? '+' : ''}${v.toFixed(2)}%`;
  if (unit === 'ns') {
    const a = Math.abs(v);
    if (a >= 1e9) return `${three(v / 1e9)}s`;
    if (a >= 1e6) return `${three(v / 1e6)}ms`;
    if (a >= 1e3) return `${three(v / 1e3)}us`;
    return `${Math.round(v)}ns`;
  }
  const a = Math.abs(v);
  const suffix = unit === 'ops/s' ? '/s' : '';
  if (a >= 1e9) return `${three(v / 1e9)}G${suffix}`;
  if (a >= 1e7) return `${three(v / 1e6)}M${suffix}`;
  if (unit === 'ops/s' && a >= 1e4) return `${three(v / 1e3)}k${suffix}`;
  return `${Number.isInteger(v) ? v : three(v)}${suffix}`;
}

function signed(x: number, pp: boolean): string {
  const digits = Math.abs(x) >= 100 ? 0 : 1;
  return `${x >= 0 ? '+' : ''}${x.toFixed(digits)}${pp ? 'pp' : '%'}`;
}

/** The change and how sure: "-99.6%  exact", "+5.7%  [+0.5,+10.8]". */
function change_text(cell: Cell): string {
  const pp = cell.unit === 'pp';
  const change = cell.change === null ? (cell.cand.mean > cell.base.mean ? 'up from 0' : 'n/a') : signed(cell.change, pp);
  if (cell.exact) return `${change.padStart(8)}  exact`;
  if (cell.ci === null) return change.padStart(8);
  const [lo, hi] = cell.ci;
  const f = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(Math.abs(x) >= 100 ? 0 : 1)}`;
  return `${change.padStart(8)}  [${f(lo)},${f(hi)}]`;
}

function cell_row(p: PlacedCell): string {
  const { cell } = p;
  const values = `${value_text(cell.base.mean, cell.unit)} -> ${value_text(cell.cand.mean, cell.unit)}`;
  return `  ${p.scenario.padEnd(13)} ${cell.metric.padEnd(19)} ${values.padStart(19)} ${change_text(cell)}`;
}

/** Words on lines of at most the verdict width, the first after `head`, the rest indented. */
function wrap(head: string, words: readonly string[], indent = '       '): string[] {
  const lines: string[] = [];
  let line = head;
  for (const word of words) {
    if (line.length + 1 + word.length > VERDICT_WIDTH && line.trim() !== head.trim()) {
      lines.push(line);
      line = indent + word;
    } else line = line === head ? `${head} ${word}` : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

/** A command over as many lines as it needs, continued with a backslash as a shell reads it. */
function command_lines(head: string, command: string, indent: string): string[] {
  const lines: string[] = [];
  let line = head;
  for (const word of command.split(' ')) {
    if (line.length + 1 + word.length + 2 > VERDICT_WIDTH && line.trim() !== head.trim()) {
      lines.push(`${line} \\`);
      line = `${indent}${word}`;
    } else line = line === head ? `${head} ${word}` : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

/** The rule's kernel-spec ids ("A21/A22") when its text starts with them. */
function rule_id(rule: string): string {
  const m = /^([A-F]\d+(?:\.\d+)?(?:\/[A-F]\d+(?:\.\d+)?)*):/.exec(rule);
  return m === null ? '' : ` (${m[1]})`;
}

/** The verdict's first line (correct, or the first rule broken and where), and the other rules broken. */
function verdict_lines(r: ReviewResult, own: readonly ReviewFinding[]): string[] {
  if (r.verdict.exit_code === 4) return ['VERDICT: NO JUDGEMENT: the model failed running the baseline'];
  if (r.verdict.correct) {
    const swarm = r.swarm.runs > 0 ? `, swarm ${r.swarm.runs} seeds: no violation` : '';
    return [`VERDICT: correct - oracle on every run${swarm}`];
  }
  const codes = [...new Set(own.map((f) => f.code))].sort(by_code_order);
  const first = codes[0] as string;
  const scenarios = new Set(own.filter((f) => f.code === first && f.scenario !== null).map((f) => f.scenario)).size;
  const seeds = new Set(own.filter((f) => f.code === first && f.swarm_seed !== null).map((f) => f.swarm_seed)).size;
  const where = [scenarios > 0 ? `${scenarios} scenario${scenarios === 1 ? '' : 's'}` : '', seeds > 0 ? `${seeds} of ${r.swarm.runs} swarm seeds` : ''].filter((s) => s !== '').join(', ');
  const others = codes.slice(1);
  return [`VERDICT: INCORRECT: ${first} in ${where}`, ...(others.length === 0 ? [] : wrap('  and', others.map((c, i) => (i < others.length - 1 ? `${c},` : c)), '    '))];
}

function finding_lines(r: ReviewResult, own: readonly ReviewFinding[]): string[] {
  const out: string[] = ['Findings (the candidate only; the baseline does not show them)'];
  const printed = new Map<string, string>();
  for (const code of [...new Set(own.map((f) => f.code))].sort(by_code_order)) {
    const of_code = own.filter((f) => f.code === code);
    const shown = of_code.find((f) => f.shrunk !== null) ?? of_code.at(0);
    if (shown === undefined) continue;
    const where = shown.scenario !== null ? `scenario ${shown.scenario}` : `swarm seed ${shown.swarm_seed}`;
    const first = shown.shrunk?.first ?? shown.first;
    const folio = first !== null && first.folio >= 0 ? `first folio ${first.folio}, ` : '';
    out.push(`  ${code}${rule_id(shown.rule)}: ${folio}found on ${where}`);
    const s = shown.shrunk;
    if (s === null) {
      out.push(...command_lines('    reproduce:', shown.reproduce, '      '));
      continue;
    }
    const m = s.scenario;
    const size = m.workload.kind === 'stress' ? `${m.stress?.workers} workers x ${(m.stress?.bytes ?? 0) / 1024} KiB` : `${m.pageout.size / 4096} page${m.pageout.size === 4096 ? '' : 's'}`;
    out.push(`    shrunk in ${s.runs} runs: ${m.machine.cpus} CPU${m.machine.cpus === 1 ? '' : 's'}, ${m.workload.threads} threads, ${size}, ${m.swap.device}`);
    if (s.baseline_fires) out.push(...wrap(`    (${r.against}`, 'shows it too on the shrunk scenario: check the model)'.split(' '), '     '));
    out.push(...command_lines('    reproduce:', s.reproduce, '      '));
    // The scenario inline (a mail needs no attachment), once: several rules often shrink to the same one.
    const body = s.yaml.replace(/^name: .*\n/, '');
    const yaml = s.yaml.trimEnd().split('\n');
    const same = printed.get(body);
    if (same !== undefined) out.push(`      (the scenario of ${same} above)`);
    else {
      if (yaml.length <= 20) for (const line of yaml) out.push(`      ${line}`);
      printed.set(body, code);
    }
  }
  const shared = r.findings.filter((f) => f.shared_with_baseline);
  if (shared.length > 0) out.push(...wrap(`Shared with ${r.against} (not counted):`, [...new Set(shared.map((f) => f.code))]));
  return out;
}

/** What the swarm reached, so a clean verdict from a swarm that looked at nothing shows. */
function coverage_lines(r: ReviewResult): string[] {
  const c = r.swarm.coverage;
  if (c === null || c.runs === 0) return [];
  const pct = (key: keyof typeof c.runs_with) => `${Math.round((100 * c.runs_with[key]) / c.runs)}%`;
  const items = [`deferred unmaps ${pct('deferred_unmaps')},`, `same-pass frees ${pct('freed_same_pass')},`, `stale accesses ${pct('stale_accesses')},`, `racing ops ${pct('racing_ops')},`, `swap-ins ${pct('swapins')}`];
  return wrap('  swarm runs reaching', items, '    ');
}

/**
 * The mail-ready verdict: plain ASCII, every line at most 80 columns, no colour. The verdict
 * line; for a correct candidate the headline gains with their intervals, the costs and the
 * worst gated regression, for an incorrect one the findings with their shrunk reproducers;
 * where it helps, hurts, makes no difference; the suite, model and the command to reproduce.
 */
export function format_review(r: ReviewResult): string {
  const own = r.findings.filter((f) => !f.shared_with_baseline);
  const active = r.suite.entries.length;
  const out: string[] = [
    // A module path can be long: these lines wrap like the lists.
    ...wrap('reclaimsim review:', `${r.strategy} against ${r.against} (suite ${r.suite.name}@${r.suite.version}, ${r.seeds} seeds)`.split(' '), '  '),
    ...verdict_lines(r, own),
    ...coverage_lines(r),
    '',
  ];
  if (r.baseline_failures.length > 0) {
    const f = r.baseline_failures[0] as ReviewResult['baseline_failures'][number];
    out.push(...wrap('The model failed on', `${r.against} in ${r.baseline_failures.length} run(s), first ${f.scenario}:`.split(' '), '  '), ...wrap(' ', f.message.split(' '), '  '), ...command_lines('  reproduce:', f.command, '    '), '');
  }
  if (own.length > 0) out.push(...finding_lines(r, own), '');
  else if (r.baseline_failures.length === 0) {
    out.push(...wrap('Gains', `(${r.strategy} vs ${r.against}; mean, 95% CI; exact: same on every seed)`.split(' '), '  '));
    if (r.verdict.headline.length === 0) out.push('  none');
    for (const p of r.verdict.headline) out.push(cell_row(p));
    if (r.verdict.costs.length > 0) {
      out.push('Costs (reported, not gated)');
      for (const p of r.verdict.costs.slice(0, 3)) out.push(cell_row(p));
    }
    const worst = r.verdict.worst_regression;
    if (worst === null) out.push(`Worst gated regression: none beyond ${r.min_effect_pct}% (min effect)`);
    else {
      out.push(`Worst gated regression${r.verdict.regressions.length > 0 ? ` (beyond ${r.max_regression_pct}%: exit 5)` : ''}:`);
      out.push(cell_row(worst));
    }
    const shared = r.findings.filter((f) => f.shared_with_baseline);
    if (shared.length > 0) out.push(...wrap(`Shared with ${r.against} (not counted):`, [...new Set(shared.map((f) => f.code))]));
  }
  out.push(...wrap('Helps:', r.verdict.helps.length === 0 ? ['none'] : r.verdict.helps));
  if (r.verdict.hurts.length > 0) out.push(...wrap('Hurts:', r.verdict.hurts));
  out.push(...wrap('Same: ', r.verdict.same.length === 0 ? ['none'] : r.verdict.same));
  if (r.verdict.inconclusive.length > 0) out.push(...wrap('Inconclusive:', r.verdict.inconclusive, '              '));
  out.push('');
  const only = r.suite.only === null ? '' : `, only ${r.suite.only.length} entr${r.suite.only.length === 1 ? 'y' : 'ies'}`;
  out.push(`suite ${r.suite.name}@${r.suite.version} (${active} scenario${active === 1 ? '' : 's'}${only}), reclaimsim ${r.model_version}, ${r.runs} runs`);
  out.push(`Welch t-test a=0.05 (Holm for seeded regressions), min effect ${r.min_effect_pct}%,`, `max regression ${r.max_regression_pct}%`);
  out.push(...command_lines('reproduce:', r.command, '  '));
  return `${out.join('\n')}\n`;
}
