/** Shared by the sweep tests: the built CLI, temporary sweeps, result files compared without wall time. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');

/**
 * A CPU-bound sweep of 16 runs of 30-150 ms each: long enough to interrupt mid-way, short
 * enough for the suite's time budget on two cores.
 */
export const SMALL_SWEEP = `name: small
base: dirty-16m
set:
  machine.memory: 1GiB
axes:
  pageout.size: [32MiB, 64MiB]
  swap.device: [nvme, zram]
strategies: [upstream, batched]
seeds: 2
`;
export const SMALL_SWEEP_RUNS = 16;

export function temp_dir(): string {
  return mkdtempSync(join(tmpdir(), 'reclaimsim-sweep-'));
}

export function write_file(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, env: { ...process.env, CI: 'true' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI in the background; `done` resolves with its exit code and output. */
export function cli_background(args: string[], cwd?: string): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, CI: 'true' } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve_done) => child.on('close', (status) => resolve_done({ status, stdout, stderr })));
  return { child, done };
}

/** Whole lines of a file (a cut-off last line excluded). */
export function file_lines(path: string): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
}

/** A result file's lines with wall time zeroed: what must be equal however the runs were executed. */
export function normalized(path: string): string[] {
  return file_lines(path).map((line) => {
    const parsed = JSON.parse(line);
    if (parsed.result !== undefined) parsed.result.wall_ms = 0;
    return JSON.stringify(parsed);
  });
}

export function ids_of(path: string): string[] {
  return file_lines(path).map((line) => (JSON.parse(line) as { id: string }).id);
}

export async function wait_until(what: string, condition: () => boolean | Promise<boolean>, timeout_ms = 30_000): Promise<void> {
  const deadline = performance.now() + timeout_ms;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A TCP port free on the loopback interface right now. */
export function free_port(): Promise<number> {
  return new Promise((resolve_port, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve_port(address.port) : reject(new Error('no port'))));
    });
  });
}
