/**
 * Sweeps across machines: a real redis-server on a free loopback port, a sweep enqueued on
 * BullMQ and run by two `reclaimsim worker`s, one of them killed mid-run. The result file
 * must hold every run exactly once, with the results of a local run of the same sweep.
 * redis-server is required (CI installs it): without it this test fails, it does not skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli, free_port, ids_of, normalized, SMALL_SWEEP, SMALL_SWEEP_RUNS, temp_dir, wait_until, write_file } from './sweep_helpers.js';

/**
 * A command run under a shell that SIGKILLs it when our end of the shell's stdin closes: by
 * stop(), or when this test process dies however it dies, so no server, worker or sweep
 * outlives the test. `done` resolves with the command's exit status when it ends.
 */
interface Guarded {
  done: Promise<number | null>;
  output: () => string;
  stop: () => Promise<number | null>;
}

// An asynchronous command's stdin is /dev/null unless redirected explicitly: hence fd 3.
const GUARD = [
  'exec 3<&0',
  '"$@" <&- 3<&- & pid=$!',
  '(read _ <&3; kill -9 $pid 2>/dev/null) & watcher=$!',
  'exec 3<&-',
  'wait $pid; status=$?',
  'kill $watcher 2>/dev/null',
  'exit $status',
].join('\n');
const running: Guarded[] = [];

function guarded(command: string, args: readonly string[]): Guarded {
  const child: ChildProcess = spawn('sh', ['-c', GUARD, 'sh', command, ...args], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
  const g: Guarded = {
    done,
    output: () => output,
    stop: () => {
      child.stdin?.end();
      return done;
    },
  };
  running.push(g);
  return g;
}

function reclaimsim(args: readonly string[]): Guarded {
  return guarded(process.execPath, [CLI, ...args]);
}

let url = '';
let dir = '';
let queue: Queue | null = null;

/** Starts redis-server on a free loopback port, without persistence, as BullMQ wants it (noeviction). */
async function start_redis(): Promise<void> {
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (version.error !== undefined) throw new Error(`cannot run redis-server (install the Debian package redis-server): ${version.error.message}`);
  const port = await free_port();
  const redis = guarded('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction']);
  await Promise.race([
    wait_until('redis-server to accept connections', () => redis.output().includes('Ready to accept connections'), 10_000),
    redis.done.then((status) => Promise.reject(new Error(`redis-server exited with ${status}: ${redis.output()}`))),
  ]);
  url = `redis://127.0.0.1:${port}`;
}

beforeAll(() => {
  dir = temp_dir();
  write_file(dir, 'small.yaml', SMALL_SWEEP);
  const local = cli(['sweep', 'small.yaml', '--workers', '2', '--out', 'local.jsonl', '--no-report'], dir);
  expect(local.status).toBe(0);
});

afterAll(async () => {
  await queue?.close();
  // Workers and sweeps first, then the server they talk to.
  await Promise.all(running.slice(1).map((g) => g.stop()));
  await running[0]?.stop();
});

describe('reclaimsim sweep --queue with reclaimsim worker (BullMQ on redis-server)', () => {
  // A test of its own, so that a machine without redis-server fails it rather than skipping.
  it('starts a real redis-server on a free loopback port', async () => {
    await start_redis();
    queue = new Queue('reclaimsim', { connection: { url } });
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
  });

  it('survives a worker killed mid-run: every run exactly once, results identical to a local run', async () => {
    const worker = (name: string) => reclaimsim(['worker', '--queue', url, '--workers', '1', '--name', name, '--lock-ms', '1000']);
    const a = worker('A');
    worker('B');
    const out = join(dir, 'queue.jsonl');
    const sweep = reclaimsim(['sweep', 'small.yaml', '--queue', url, '--out', out]);
    // Kill A (SIGKILL) while it holds a job, once some results are in.
    let killed_job = '';
    await wait_until('worker A to hold a job while results come in', async () => {
      if (ids_of(out).length < 1) return false;
      const held = (await (queue as Queue).getActive()).find((job) => job.processedBy === 'A');
      killed_job = held?.id ?? '';
      return killed_job !== '';
    });
    expect(await a.stop()).toBe(137);
    expect(await sweep.done).toBe(0);
    expect(sweep.output()).toContain(`sweep small: ${SMALL_SWEEP_RUNS} runs, 0 done before, ${SMALL_SWEEP_RUNS} run now, 0 failed`);
    expect(sweep.output()).not.toMatch(/reclaimsim: /);
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
