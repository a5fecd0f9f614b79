/**
 * Local sweeps through the built CLI: a complete run, a run killed mid-way and resumed, and
 * shards merged, all giving the same result lines (wall time aside) in grid order.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cli_background, file_lines, ids_of, normalized, SMALL_SWEEP, SMALL_SWEEP_RUNS, temp_dir, wait_until, write_file } from './sweep_helpers.js';

let dir = '';
let reference = '';

beforeAll(() => {
  dir = temp_dir();
  write_file(dir, 'small.yaml', SMALL_SWEEP);
  const r = cli(['sweep', 'small.yaml', '--workers', '2'], dir);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  reference = join(dir, 'small.jsonl');
});

describe('reclaimsim sweep (local pool)', () => {
  it('runs every grid point once, in grid order, and writes the report', () => {
    const lines = file_lines(reference).map((line) => JSON.parse(line) as { index: number; result?: unknown; error?: unknown });
    expect(lines).toHaveLength(SMALL_SWEEP_RUNS);
    expect(lines.map((l) => l.index)).toEqual([...Array(SMALL_SWEEP_RUNS).keys()]);
    expect(lines.every((l) => l.result !== undefined && l.error === undefined)).toBe(true);
    expect(readFileSync(join(dir, 'small.html'), 'utf8')).toMatch(/<h2>pageout\.size<\/h2>[^]*<h2>swap\.device<\/h2>/);
    expect(existsSync(join(dir, 'small.jsonl.lock'))).toBe(false);
  });

  it('does nothing on a second run and leaves the file byte for byte', () => {
    const before = readFileSync(reference, 'utf8');
    const r = cli(['sweep', 'small.yaml'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`sweep small: ${SMALL_SWEEP_RUNS} runs, ${SMALL_SWEEP_RUNS} done before, 0 run now, 0 failed`);
    expect(readFileSync(reference, 'utf8')).toBe(before);
  });

  it('resumes after being killed mid-run: every run exactly once, results identical to an uninterrupted run', async () => {
    const out = join(dir, 'killed.jsonl');
    const { child, done } = cli_background(['sweep', 'small.yaml', '--workers', '2', '--out', out], dir);
    await wait_until('a few results', () => file_lines(out).length >= 3);
    child.kill('SIGKILL');
    await done;
    const before = file_lines(out).length;
    expect(before).toBeLessThan(SMALL_SWEEP_RUNS);
    // A write cut off by the kill (made certain here) must not become a line.
    appendFileSync(out, '{"id":"0123');
    const r = cli(['sweep', 'small.yaml', '--workers', '2', '--out', out], dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('removed a cut-off last line (11 bytes)');
    expect(r.stdout).toContain(`${before} done before, ${SMALL_SWEEP_RUNS - before} run now, 0 failed`);
    const ids = ids_of(out);
    expect(new Set(ids).size).toBe(ids.length);
    expect(normalized(out)).toEqual(normalized(reference));
  });

  it('runs fixed shards whose merge equals one local run', async () => {
    const shards = await Promise.all(
      [0, 1].map(async (i) => {
        const r = await cli_background(['sweep', 'small.yaml', '--workers', '1', '--shard', `${i}/2`, '--no-report'], dir).done;
        expect(r.status).toBe(0);
        return join(dir, `small.shard-${i}-of-2.jsonl`);
      }),
    );
    expect(shards.map((s) => file_lines(s).length)).toEqual([8, 8]);
    expect(existsSync(join(dir, 'small.shard-0-of-2.html'))).toBe(false);
    const merged = join(dir, 'merged.jsonl');
    const m = cli(['merge', shards[1] as string, shards[0] as string, '--out', merged, '--report', join(dir, 'merged.html')], dir);
    expect(m.status).toBe(0);
    expect(m.stdout).toContain(`merged ${SMALL_SWEEP_RUNS} runs into ${merged}`);
    expect(normalized(merged)).toEqual(normalized(reference));
    expect(existsSync(join(dir, 'merged.html'))).toBe(true);
  });

  it('answers SQL over the results', () => {
    const r = cli(['query', 'small.jsonl', 'select strategy, count(*) as runs, min(list_sum(result.interrupts.TLB)) as tlb from runs group by strategy order by strategy', '--format', 'csv'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['strategy,runs,tlb', expect.stringMatching(/^batched,8,\d+$/)]);
  });

  it('exits 1 with file:line:col for an invalid sweep, and for bad options', () => {
    write_file(dir, 'bad.yaml', 'base: dirty-16m\naxes:\n  machine.cpus: [2, 0]\n');
    const bad = cli(['sweep', 'bad.yaml'], dir);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^reclaimsim: invalid sweep\nbad\.yaml:3:21 machine\.cpus: /);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const usage = cli(['sweep', 'small.yaml', '--queue', 'http://x'], dir);
    expect(usage.status).toBe(1);
    expect(usage.stderr).toBe('reclaimsim: --queue http://x: expected redis://host:port (or rediss://, optionally /db)\n');
    expect(cli(['sweep', 'missing.yaml'], dir)).toMatchObject({ status: 1, stderr: 'reclaimsim: missing.yaml: no such sweep file\n' });
    expect(cli(['merge', 'missing.jsonl', '--out', 'm.jsonl'], dir)).toMatchObject({ status: 1, stderr: 'reclaimsim: merge: missing.jsonl: no such result file\n' });
  });
});
