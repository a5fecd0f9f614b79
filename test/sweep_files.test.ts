/** Result files: repair of a cut-off line, the lock, canonical order, merging, the HTML report and SQL queries. */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonical_lines } from '../src/sweep/canonical.js';
import { execute_run, task_of } from '../src/sweep/execute.js';
import { expand_grid } from '../src/sweep/grid.js';
import { merge_results } from '../src/sweep/merge.js';
import { query_results } from '../src/sweep/query.js';
import { format_query } from '../src/sweep/query_format.js';
import { render_report } from '../src/sweep/report_html.js';
import { line_text, result_line, type ResultLine } from '../src/sweep/result_line.js';
import { read_result_lines, ResultsFile } from '../src/sweep/results_file.js';
import { terminal_progress } from '../src/sweep/progress.js';
import { parse_sweep } from '../src/sweep/sweep_file.js';
import { SweepError } from '../src/sweep/sweep_error.js';
import { temp_dir } from './sweep_helpers.js';

/** Eight quick runs (2 MiB pageouts), run in this process. */
let lines: ResultLine[] = [];

beforeAll(async () => {
  const spec = parse_sweep('name: tiny\nbase: dirty-16m\nset:\n  pageout.size: 2MiB\naxes:\n  machine.cpus: [2, 4]\n  swap.device: [nvme, zram]\nstrategies: [upstream, batched]\n', 'tiny.yaml');
  lines = await Promise.all(expand_grid(spec).map(async (run) => result_line(run, await execute_run(task_of(run)))));
});

describe('result files', () => {
  it('cut off an incomplete last line before appending, and keep every whole line', () => {
    const path = join(temp_dir(), 'r.jsonl');
    writeFileSync(path, `${line_text(lines[0] as ResultLine)}${line_text(lines[1] as ResultLine).slice(0, 40)}`);
    const file = new ResultsFile(path);
    expect(file.repaired_bytes).toBe(40);
    expect(file.lines.map((l) => l.id)).toEqual([lines[0]?.id]);
    file.append(lines[1] as ResultLine);
    file.close();
    expect(read_result_lines(path)).toEqual({ lines: [lines[0], lines[1]], partial_bytes: 0 });
  });

  it('are written into a folder that does not exist yet (sweep --out runs/cpus.jsonl)', () => {
    const path = join(temp_dir(), 'runs', 'deeper', 'cpus.jsonl');
    const file = new ResultsFile(path);
    file.append(lines[0] as ResultLine);
    file.close();
    expect(read_result_lines(path).lines).toHaveLength(1);
  });

  it('refuse a malformed complete line, naming file:line', () => {
    const path = join(temp_dir(), 'r.jsonl');
    writeFileSync(path, `${line_text(lines[0] as ResultLine)}{"id": 3}\n`);
    expect(() => read_result_lines(path)).toThrow(`${path}:2: not a sweep result line`);
    writeFileSync(path, 'not json\n');
    expect(() => new ResultsFile(path)).toThrow(SweepError);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('are written by one process at a time; a dead process\'s lock is taken over', () => {
    const path = join(temp_dir(), 'r.jsonl');
    const first = new ResultsFile(path);
    expect(() => new ResultsFile(path)).toThrow(/another process \(pid \d+\) is writing/);
    first.close();
    writeFileSync(`${path}.lock`, '999999999\n');
    const second = new ResultsFile(path);
    second.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

describe('canonical lines and merge', () => {
  it('sort by grid index and keep each run once, whatever the completion order', () => {
    const shuffled = [lines[5], lines[2], lines[7], lines[0], lines[2], lines[1], lines[6], lines[3], lines[4]] as ResultLine[];
    const c = canonical_lines(shuffled);
    expect(c.lines).toEqual(lines);
    expect(c.duplicates).toBe(1);
    expect(c.conflicts).toBe(0);
    const other = { ...lines[2], error: { message: 'x', command: 'y' } } as ResultLine;
    expect(canonical_lines([...lines, other]).conflicts).toBe(1);
  });

  it('re-index lines by the current grid and keep lines of runs no longer in it, last', () => {
    const grid = new Map(lines.slice(4).map((l, i) => [l.id, i]));
    const c = canonical_lines(lines, grid);
    expect(c.lines.map((l) => l.index)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(c.lines.slice(4).map((l) => l.id)).toEqual(lines.slice(0, 4).map((l) => l.id));
  });

  it('merge files given in any order into the canonical file, ignoring a cut-off last line', async () => {
    const dir = temp_dir();
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    writeFileSync(a, lines.filter((_, i) => i % 2 === 1).reverse().map(line_text).join(''));
    writeFileSync(b, lines.filter((_, i) => i % 2 === 0).map(line_text).join(''));
    appendFileSync(b, '{"id":"cut');
    const summary = await merge_results([b, a, a], join(dir, 'all.jsonl'), join(dir, 'all.html'));
    expect(summary).toMatchObject({ runs: 8, duplicates: 4, conflicts: 0, partial_bytes: 10 });
    expect(readFileSync(join(dir, 'all.jsonl'), 'utf8')).toBe(lines.map(line_text).join(''));
    expect(readFileSync(join(dir, 'all.html'), 'utf8')).toContain('<svg');
  });
});

describe('HTML report', () => {
  it('charts each figure against each axis, one line per strategy, deterministically', async () => {
    const html = await render_report('tiny <sweep>', lines);
    expect(await render_report('tiny <sweep>', lines)).toBe(html);
    expect(html).toContain('<title>tiny &#60;sweep&#62;</title>');
    expect(html.match(/<svg /g)).toHaveLength(2 * 7);
    expect(html).toMatch(/<h2>machine\.cpus<\/h2>/);
    expect(html).toMatch(/<h2>swap\.device<\/h2>/);
    // Two strategies: two lines in each chart (a line mark each, for its own dash pattern).
    const first_chart = html.slice(html.indexOf('<svg '), html.indexOf('</svg>'));
    expect(first_chart.match(/aria-label="line"/g)).toHaveLength(2);
    expect(first_chart).toContain('<title>upstream, 2: ');
    expect(html).not.toMatch(/wall/);
  });

  it('lists model failures with the command that reproduces each', async () => {
    const { result: _result, ...coordinates } = lines[0] as ResultLine;
    const failed: ResultLine = { ...coordinates, error: { message: 'boom', command: 'reclaimsim run dirty-16m --seed 1' } };
    const html = await render_report('t', [failed, ...lines.slice(1)]);
    expect(html).toContain('<h2>Model failures</h2>');
    expect(html).toContain('<code>reclaimsim run dirty-16m --seed 1</code>');
  });
});

describe('SQL over results (DuckDB)', () => {
  it('answers over the runs view with nested fields', async () => {
    const path = join(temp_dir(), 'r.jsonl');
    writeFileSync(path, lines.map(line_text).join(''));
    const result = await query_results(
      path,
      'select point."machine.cpus" as cpus, strategy, count(*) as n, sum(list_sum(result.interrupts.TLB)) as tlb from runs group by all order by cpus, strategy',
    );
    expect(result.columns).toEqual(['cpus', 'strategy', 'n', 'tlb']);
    expect(result.rows).toHaveLength(4);
    expect(result.rows[0]?.slice(0, 3)).toEqual([2, 'batched', 2]);
    const expected_tlb = lines.filter((l) => l.strategy === 'upstream' && l.point['machine.cpus'] === 2).reduce((s, l) => s + (l.result?.interrupts.TLB?.reduce((a, b) => a + b, 0) ?? 0), 0);
    expect(result.rows[1]).toEqual([2, 'upstream', 2, expected_tlb]);
    expect(format_query(result, 'table').split('\n')[0]).toMatch(/^cpus\s+strategy\s+n\s+tlb$/);
    expect(format_query(result, 'csv').split('\n')[1]).toBe('2,batched,2,' + String(result.rows[0]?.[3]));
    expect(JSON.parse(format_query(result, 'jsonl').split('\n')[0] as string)).toEqual({ cpus: 2, strategy: 'batched', n: 2, tlb: result.rows[0]?.[3] });
  });

  it('reports a bad query or a missing file as a SweepError', async () => {
    const path = join(temp_dir(), 'r.jsonl');
    writeFileSync(path, lines.map(line_text).join(''));
    await expect(query_results(path, 'select nope from runs')).rejects.toThrow(SweepError);
    await expect(query_results(join(temp_dir(), 'none.jsonl'), 'select 1')).rejects.toThrow(/no such file/);
  });
});

describe('progress bar', () => {
  it('shows runs done, failed and time left on one redrawn line, and clears it at the end', () => {
    let text = '';
    const stream = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WriteStream;
    const bar = terminal_progress(stream);
    bar.sink({ total: 10, skipped: 2, done: 0, failed: 0 });
    expect(text).toBe('\r\x1b[K[######........................] 2/10 runs, 0 failed, ? left');
    bar.sink({ total: 10, skipped: 2, done: 7, failed: 1 });
    expect(text.endsWith(`\r\x1b[K[${'#'.repeat(30)}] 10/10 runs, 1 failed, 0s left`)).toBe(true);
    bar.end();
    expect(text.endsWith('\r\x1b[K')).toBe(true);
  });
});
