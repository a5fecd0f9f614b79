/**
 * Sweeps and workers when Redis misbehaves (issue 16), each with a real redis-server on a free
 * loopback port and a bounded time: Redis out of reach at start (down, unknown host, wrong
 * password), a worker told to stop while Redis is gone, two sweeps on one queue, Redis
 * restarted without persistence, and workers that return what is not a run's outcome.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_VERSION } from '../src/sweep/model_version.js';
import { cli_background, free_port, ids_of, SMALL_SWEEP, SMALL_SWEEP_RUNS, temp_dir, wait_until, write_file, type CliResult } from './sweep_helpers.js';

const started: ChildProcess[] = [];
const workers: Worker[] = [];
let dir = '';

function background(args: string[]): { child: ChildProcess; done: Promise<CliResult>; output: () => string } {
  const run = cli_background(args, dir);
  started.push(run.child);
  let output = '';
  run.child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  run.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { ...run, output: () => output };
}

/** A redis-server without persistence on `port`; resolves once it accepts connections. */
async function redis(port: number, extra: string[] = []): Promise<ChildProcess> {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', ...extra]);
  started.push(server);
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await wait_until('redis-server to accept connections', () => output.includes('Ready to accept connections'), 10_000);
  return server;
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('close', () => resolve());
  });
}

beforeAll(() => {
  dir = temp_dir();
  write_file(dir, 'small.yaml', SMALL_SWEEP);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close(true)));
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('Redis out of reach at start', () => {
  it('sweep --queue and worker exit 1 with the reason when nothing listens', async () => {
    const url = `redis://127.0.0.1:${await free_port()}`;
    const [sweep, worker] = await Promise.all([background(['sweep', 'small.yaml', '--queue', url, '--out', 'down.jsonl']).done, background(['worker', '--queue', url]).done]);
    for (const r of [sweep, worker]) {
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`reclaimsim: cannot reach Redis at ${url}: connect ECONNREFUSED`);
    }
  }, 30_000);

  it('exit 1 at once for an unknown host', async () => {
    const r = await background(['sweep', 'small.yaml', '--queue', 'redis://no-such-host.invalid:6379', '--out', 'host.jsonl']).done;
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('reclaimsim: cannot use Redis at redis://no-such-host.invalid:6379: getaddrinfo ENOTFOUND');
  }, 30_000);

  it('exit 1 at once for a wrong password, which no message shows', async () => {
    const port = await free_port();
    await redis(port, ['--requirepass', 'right-pw']);
    const url = `redis://:wrong-pw@127.0.0.1:${port}`;
    const [sweep, worker] = await Promise.all([background(['sweep', 'small.yaml', '--queue', url, '--out', 'pw.jsonl']).done, background(['worker', '--queue', url]).done]);
    for (const r of [sweep, worker]) {
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`reclaimsim: cannot use Redis at redis://:***@127.0.0.1:${port}: WRONGPASS`);
      expect(r.stderr).not.toContain('wrong-pw');
    }
    // The right password: the worker logs its URL without it.
    const good = background(['worker', '--queue', `redis://:right-pw@127.0.0.1:${port}`, '--workers', '1']);
    await wait_until('the worker to start', () => good.output().includes('running jobs'), 30_000);
    expect(good.output()).toContain(`at redis://:***@127.0.0.1:${port} on 1 threads`);
    expect(good.output()).not.toContain('right-pw');
    good.child.kill('SIGTERM');
    expect((await good.done).status).toBe(0);
  }, 60_000); // three CLI processes, one after another: on a loaded 2-core machine each can take seconds to start
});

describe('a worker told to stop while Redis is gone', () => {
  it('exits after its lock time instead of waiting forever', async () => {
    const port = await free_port();
    const server = await redis(port);
    const worker = background(['worker', '--queue', `redis://127.0.0.1:${port}`, '--workers', '1', '--lock-ms', '1000']);
    await wait_until('the worker to start', () => worker.output().includes('running jobs'), 15_000);
    server.kill('SIGKILL');
    await stopped(server);
    await wait_until('the worker to notice', () => worker.output().includes('ECONNREFUSED'), 10_000);
    worker.child.kill('SIGTERM');
    const r = await worker.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('reclaimsim worker: Redis out of reach for 1000 ms: stopped without the runs in hand');
  }, 30_000);
});

describe('one queue, one sweep', () => {
  it('refuses a second sweep on a queue that another sweep coordinates', async () => {
    const url = `redis://127.0.0.1:${await free_port()}`;
    await redis(Number(url.split(':')[2]));
    // No worker: the first sweep waits, holding the queue.
    const first = background(['sweep', 'small.yaml', '--queue', url, '--out', 'first.jsonl']);
    await new Promise((r) => setTimeout(r, 1500));
    const second = await background(['sweep', 'small.yaml', '--queue', url, '--out', 'second.jsonl']).done;
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`^reclaimsim: queue reclaimsim at ${url} is coordinated by another sweep \\(sweep pid ${first.child.pid} on `));
    expect(ids_of(join(dir, 'second.jsonl'))).toEqual([]);
    first.child.kill('SIGKILL');
  }, 30_000);
});

describe('Redis restarted without persistence', () => {
  it('queues the runs whose jobs vanished again, and ends with every run once', async () => {
    const port = await free_port();
    const url = `redis://127.0.0.1:${port}`;
    let server = await redis(port);
    const sweep = background(['sweep', 'small.yaml', '--queue', url, '--out', 'restart.jsonl', '--no-report']);
    // No worker yet: the runs wait in the queue when Redis goes.
    await new Promise((r) => setTimeout(r, 2000));
    server.kill('SIGKILL');
    await stopped(server);
    server = await redis(port);
    background(['worker', '--queue', url, '--workers', '2']);
    const r = await sweep.done;
    expect(r.stderr).toMatch(/reclaimsim: \d+ queued runs vanished from Redis \(restarted without persistence\?\): queued them again/);
    expect(r.status).toBe(0);
    const ids = ids_of(join(dir, 'restart.jsonl'));
    expect(ids).toHaveLength(SMALL_SWEEP_RUNS);
    expect(new Set(ids).size).toBe(SMALL_SWEEP_RUNS);
  }, 90_000);
});

describe('what workers return', () => {
  /** A sweep of one queue answered by a fake worker returning `answer` for every job (or throwing it, an Error). */
  async function answered(queue_name: string, answer: unknown): Promise<CliResult> {
    const port = await free_port();
    await redis(port);
    const url = `redis://127.0.0.1:${port}`;
    workers.push(new Worker(queue_name, () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)), { connection: { url } }));
    return background(['sweep', 'small.yaml', '--queue', url, '--queue-name', queue_name, '--out', `${queue_name}.jsonl`]).done;
  }

  it('records no forged result: the runs fail (exit 3) and nothing is written', async () => {
    const r = await answered('forged', { result: { forged: true }, model: MODEL_VERSION });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/reclaimsim: run [0-9a-f]{64} failed: the worker returned no run outcome \(result\.strategy: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(ids_of(join(dir, 'forged.jsonl'))).toEqual([]);
  }, 60_000);

  it('records no result of another model version', async () => {
    const r = await answered('versions', { error: 'x', model: '0.0.0-other' });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`failed: the worker runs reclaimsim "0.0.0-other", this sweep ${MODEL_VERSION}: run workers of this version`);
    expect(ids_of(join(dir, 'versions.jsonl'))).toEqual([]);
  }, 60_000);

  it('prints the reasons workers give with their control characters escaped', async () => {
    const r = await answered('escapes', new Error('bad\x1b[2J'));
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('failed: bad\\x1b[2J');
    expect(r.stderr).not.toContain('\x1b');
  }, 60_000);
});
