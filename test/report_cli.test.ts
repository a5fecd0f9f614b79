/** The output options of `run` and `compare` through the built CLI (dist/). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('reclaimsim run/compare outputs', () => {
  it('run writes a report, both traces and a CSV, silently on a pipe', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-out-'));
    const f = (name: string) => join(dir, name);
    const r = cli('run', 'dirty-16m', '--report', f('r.html'), '--trace', f('t.json'), '--ftrace', f('t.txt'), '--csv', f('r.csv'), '--trace-window', '1ms:3ms', '--trace-cpus', '1');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(f('r.html'), 'utf8')).toContain('reclaimsim run dirty-16m --report');
    const trace = JSON.parse(readFileSync(f('t.json'), 'utf8')) as { otherData: { reclaimsim: { filters: string } } };
    expect(trace.otherData.reclaimsim.filters).toBe('window 1000000 ns to 3000000 ns; CPUs 1');
    expect(readFileSync(f('t.txt'), 'utf8')).toMatch(/app-1001 +\[001\] d\.h\.\. +0\.00\d{4}: tlb_flush: pages:-1 reason:remote shootdown \(1\)/);
    expect(readFileSync(f('r.csv'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('compare writes a report and a CSV row per run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-out-'));
    const r = cli('compare', 'dirty-16m', '--strategies', 'upstream,batched', '--seeds', '2', '--report', join(dir, 'c.html'), '--csv', join(dir, 'c.csv'));
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'c.html'), 'utf8')).toContain('charts from seed 1');
    expect(readFileSync(join(dir, 'c.csv'), 'utf8').trim().split('\n')).toHaveLength(5);
  });

  it('says on stderr when a trace reached its event cap, not only inside the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-out-'));
    const r = cli('run', 'dirty-16m', '--trace', join(dir, 't.json'), '--trace-events-max', '100');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/t\.json: event cap of 100 reached at \d+ ns/);
    expect(cli('run', 'dirty-16m', '--trace', join(dir, 'u.json')).stderr).toBe('');
  });

  it('rejects bad trace limits before running', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-out-'));
    expect(cli('run', 'dirty-16m', '--trace-window', '1ms:2ms').stderr).toMatch(/limit --trace or --ftrace/);
    expect(cli('run', 'dirty-16m', '--trace', join(dir, 't.json'), '--trace-window', 'soon:2ms').status).toBe(1);
    expect(cli('run', 'dirty-16m', '--trace', join(dir, 't.json'), '--trace-cpus', '7').stderr).toMatch(/outside CPUs 0-1/);
    expect(existsSync(join(dir, 't.json'))).toBe(false);
    expect(cli('compare', 'dirty-16m', '--trace', join(dir, 't.json')).status).toBe(1);
  });
});
