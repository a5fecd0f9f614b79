/**
 * Result files of different sweeps are not mixed (issue 16): merge refuses another sweep's
 * file and different results for one run (naming file:line and run) unless asked to keep the
 * first; a sweep refuses a result file of another sweep; of several processes that find the
 * same stale lock, exactly one takes it.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { execute_run, task_of } from '../src/sweep/execute.js';
import { expand_grid } from '../src/sweep/grid.js';
import { merge_results } from '../src/sweep/merge.js';
import { line_text, result_line, type ResultLine } from '../src/sweep/result_line.js';
import { ResultsFile } from '../src/sweep/results_file.js';
import { run_sweep } from '../src/sweep/sweep.js';
import { parse_sweep } from '../src/sweep/sweep_file.js';
import { temp_dir, write_file } from './sweep_helpers.js';

const TINY = 'base: dirty-16m\nset:\n  pageout.size: 2MiB\naxes:\n  swap.device: [nvme, zram]\n';
let mine: ResultLine[] = [];
let theirs: ResultLine[] = [];

async function runs_of(name: string): Promise<ResultLine[]> {
  return Promise.all(expand_grid(parse_sweep(`name: ${name}\n${TINY}`, `${name}.yaml`)).map(async (run) => result_line(run, await execute_run(task_of(run)))));
}

const file_of = (dir: string, name: string, lines: readonly ResultLine[]) => write_file(dir, name, lines.map(line_text).join(''));

beforeAll(async () => {
  mine = await runs_of('mine');
  theirs = await runs_of('theirs');
});

describe('mixing sweeps', () => {
  it('merge refuses a file of another sweep, naming it, its line and the run', async () => {
    const dir = temp_dir();
    const a = file_of(dir, 'a.jsonl', mine);
    const b = file_of(dir, 'b.jsonl', theirs);
    await expect(merge_results([a, b], join(dir, 'out.jsonl'))).rejects.toThrow(
      `merge: ${b}:1: run ${theirs[0]?.id} is of sweep "theirs", ${a}:1 of sweep "mine": merge the files of one sweep`,
    );
  });

  it('merge refuses different results for one run unless asked to keep the first', async () => {
    const dir = temp_dir();
    const a = file_of(dir, 'a.jsonl', mine);
    const forged = { ...(mine[1] as ResultLine), result: { ...(mine[1]?.result as NonNullable<ResultLine['result']>), events: 1 } };
    const b = file_of(dir, 'b.jsonl', [forged]);
    await expect(merge_results([a, b], join(dir, 'out.jsonl'))).rejects.toThrow(
      `merge: run ${forged.id} has different results at ${a}:2 and ${b}:1 (different model versions?); --keep-first keeps the first`,
    );
    const kept = await merge_results([a, b], join(dir, 'out.jsonl'), null, true);
    expect(kept).toMatchObject({ runs: 2, duplicates: 1, conflicts: 1 });
  });

  it('a sweep refuses a result file of another sweep instead of re-indexing its lines', async () => {
    const dir = temp_dir();
    const out = file_of(dir, 'theirs.jsonl', theirs);
    const sweep = write_file(dir, 'mine.yaml', `name: mine\n${TINY}`);
    await expect(run_sweep(sweep, { out, workers: 1, report: false, progress: false })).rejects.toThrow(
      `${out}:1: run ${theirs[0]?.id} is of sweep "theirs", not "mine": give this sweep its own --out`,
    );
  });
});

describe('a stale lock file', () => {
  it('is not taken while another process is taking it over', () => {
    const path = join(temp_dir(), 'r.jsonl');
    writeFileSync(`${path}.lock`, '999999999\n');
    // This process (alive) is the one taking it over: a second opener must not take it too.
    writeFileSync(`${path}.lock.takeover`, `${process.pid}\n`);
    expect(() => new ResultsFile(path)).toThrow(`another process (pid ${process.pid}) is taking over the stale lock ${path}.lock of ${path}`);
    rmSync(`${path}.lock.takeover`);
    new ResultsFile(path).close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('is taken by exactly one of several processes that find it at once', async () => {
    const dir = temp_dir();
    const path = join(dir, 'r.jsonl');
    writeFileSync(`${path}.lock`, '999999999\n');
    const module = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'sweep', 'results_file.js');
    // Each opens the file (taking the lock) and holds it for a while before closing it.
    const script = `const { ResultsFile } = await import(${JSON.stringify(module)});
      try { const f = new ResultsFile(${JSON.stringify(path)}); await new Promise((r) => setTimeout(r, 1500)); f.close(); console.log('took'); }
      catch (e) { console.log('refused: ' + e.message); }`;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<string>((done) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('close', () => done(out.trim()));
      })),
    );
    expect(outputs.filter((o) => o === 'took')).toHaveLength(1);
    for (const o of outputs.filter((x) => x !== 'took')) expect(o).toMatch(/^refused: another process \(pid \d+\) is (writing|taking over)/);
  });
});
