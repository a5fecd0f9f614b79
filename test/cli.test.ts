import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('reclaimsim CLI (built dist/)', () => {
  it('runs a built-in scenario, prints the summary and writes the result contract', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-'));
    const json = join(dir, 'r.json');
    const r = cli('run', 'dirty-16m', '--json', json);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/TLB:\s+0\s+4103\s+TLB shootdowns/);
    expect(r.stdout).toMatch(/pswpout\s+4096/);
    const file = JSON.parse(readFileSync(json, 'utf8')) as { schema: string; runs: { strategy: string; interrupts: { TLB: number[] } }[] };
    expect(file.schema).toBe('reclaimsim/result@1');
    expect(file.runs[0]?.interrupts.TLB).toEqual([0, 4103]);
  });

  it('exits 1 with file:line:col for an invalid scenario file, without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'machine:\n  cpus: two\n');
    const r = cli('run', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}:2:9 machine.cpus:`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 for an unknown strategy, scenario or command', () => {
    expect(cli('run', 'dirty-16m', '--strategy', 'nope').status).toBe(1);
    expect(cli('run', 'no-such-scenario').stderr).toMatch(/not a built-in scenario \(built-in: .*dirty-16m/);
    expect(cli('frobnicate').status).toBe(1);
  });

  it('exits 1 naming a file it cannot write, or a count below 1, without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-'));
    const missing = join(dir, 'no-such-folder', 'r.json');
    const r = cli('run', 'dirty-16m', '--json', missing);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`reclaimsim: cannot write ${missing}: ENOENT: no such file or directory, open '${missing}'\n`);
    const seeds = cli('compare', 'dirty-16m', '--seeds', '0');
    expect(seeds.status).toBe(1);
    expect(seeds.stderr).toMatch(/^error: option '--seeds <n>' argument '0' is invalid\. a positive integer/);
  });

  it('lists scenarios and strategies', () => {
    expect(cli('scenarios').stdout).toMatch(/^madv-pageout\s+Seed author/m);
    expect(cli('strategies').stdout).toMatch(/^upstream$/m);
  });

  it('runs as `npx reclaimsim` in the package folder, as the README says (the built bin is executable)', () => {
    const r = spawnSync('npx', ['--no-install', 'reclaimsim', 'strategies'], { cwd: resolve(CLI, '..', '..', '..'), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^upstream$/m);
  });

  it('ends quietly when its reader goes away (`reclaimsim scenarios | head -1`)', async () => {
    const child = spawn(process.execPath, [CLI, 'scenarios'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});
