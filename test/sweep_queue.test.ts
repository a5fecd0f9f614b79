/**
 * Sweeps across machines: a real redis-server on a free loopback port, a sweep enqueued on
 * BullMQ and run by two `reclaimsim worker`s, one of them killed mid-run. The result file
 * must hold every run exactly once, with the results of a local run of the same sweep.
 * redis-server is required (CI installs it): without it this test fails, it does not skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cli_background, free_port, ids_of, normalized, SMALL_SWEEP, SMALL_SWEEP_RUNS, temp_dir, wait_until, write_file } from './sweep_helpers.js';

let redis: ChildProcess | null = null;
let url = '';
let dir = '';
let queue: Queue | null = null;
const workers: ChildProcess[] = [];

/** Starts redis-server on a free loopback port, without persistence, as BullMQ wants it (noeviction). */
async function start_redis(): Promise<void> {
  const port = await free_port();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  redis = child;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot start redis-server (install the Debian package redis-server): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
  });
  url = `redis://127.0.0.1:${port}`;
}

function start_worker(name: string): ChildProcess {
  const { child } = cli_background(['worker', '--queue', url, '--workers', '1', '--name', name, '--lock-ms', '1000'], dir);
  workers.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

beforeAll(async () => {
  dir = temp_dir();
  write_file(dir, 'small.yaml', SMALL_SWEEP);
  await start_redis();
  queue = new Queue('reclaimsim', { connection: { url } });
  const local = cli(['sweep', 'small.yaml', '--workers', '2', '--out', 'local.jsonl', '--no-report'], dir);
  expect(local.status).toBe(0);
});

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGTERM');
  await Promise.all(workers.map(exited));
  await queue?.close();
  redis?.kill('SIGTERM');
  if (redis !== null) await exited(redis);
});

describe('reclaimsim sweep --queue with reclaimsim worker (BullMQ on redis-server)', () => {
  it('survives a worker killed mid-run: every run exactly once, results identical to a local run', async () => {
    const a = start_worker('A');
    start_worker('B');
    const out = join(dir, 'queue.jsonl');
    const sweep = cli_background(['sweep', 'small.yaml', '--queue', url, '--out', out], dir);
    // Kill A while it holds a job, once some results are in.
    let killed_job = '';
    await wait_until('worker A to hold a job while results come in', async () => {
      if (ids_of(out).length < 1) return false;
      const held = (await (queue as Queue).getActive()).find((job) => job.processedBy === 'A');
      killed_job = held?.id ?? '';
      return killed_job !== '';
    });
    a.kill('SIGKILL');
    await exited(a);
    const r = await sweep.done;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`sweep small: ${SMALL_SWEEP_RUNS} runs, 0 done before, ${SMALL_SWEEP_RUNS} run now, 0 failed`);
    const ids = ids_of(out);
    expect(ids).toHaveLength(SMALL_SWEEP_RUNS);
    expect(new Set(ids).size).toBe(SMALL_SWEEP_RUNS);
    expect(ids).toContain(killed_job);
    expect(normalized(out)).toEqual(normalized(join(dir, 'local.jsonl')));
    // Collected jobs are removed: Redis does not grow with the sweeps run through it.
    const counts = await (queue as Queue).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
  });

  it('enqueues nothing that the result file already holds', () => {
    const r = cli(['sweep', 'small.yaml', '--queue', url, '--out', 'queue.jsonl'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${SMALL_SWEEP_RUNS} done before, 0 run now`);
  });
});
