// npm run bench:sweep: the speed of sweeps. (1) A CPU-bound sweep on 1 and on 2 local worker
// threads, end to end through `reclaimsim sweep` (target: 2 workers at least 1.8x faster than
// 1), and as two processes running a shard each; the same for an allocation-heavy sweep.
// (2) The per-run overhead of the thread pool and of the BullMQ queue, in the steady state:
// many tiny runs through each, against the same runs called in this thread. The queue part
// starts its own redis-server on a free loopback port (Debian package redis-server).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execute_run, task_of } from '../dist/sweep/execute.js';
import { expand_grid } from '../dist/sweep/grid.js';
import { run_on_queue } from '../dist/sweep/queue_executor.js';
import { start_queue_worker } from '../dist/sweep/queue_worker.js';
import { RunPool } from '../dist/sweep/run_pool.js';
import { parse_sweep } from '../dist/sweep/sweep_file.js';

const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-sweep-bench-'));

/**
 * The CPU-bound sweep of the target: 400 runs of 128 MiB dirty pageouts beside 31 or 63
 * spinning threads (~105 ms each). A run's time goes to IPI rounds over many CPUs
 * (flush_tlb_multi and flush_tlb_func take ~40 % of it), its model state (~10 MB) fits the
 * shared cache, and it allocates little. Each worker also pays a fixed cost — its own JIT
 * warm-up, ~0.9 s of compiler-thread time in its first two runs, which a lone worker gets
 * from the idle core for free — so the sweep is long enough (~40 s of work) for that to be
 * small, as it is in a real sweep of thousands of runs.
 */
const CPU_BOUND = {
  name: 'cpu-bound',
  runs: 400,
  what: '128 MiB pageouts beside 31/63 threads',
  yaml: `name: cpu-bound
base: shootdown-64
set:
  machine.memory: 144MiB
  pageout.size: 128MiB
axes:
  workload.threads: [31, 63]
strategies: [upstream]
seeds: 200
`,
};
/**
 * An allocation-heavy sweep beside it: 240 runs of 256 MiB pageouts on a 1 GiB, 2-CPU machine
 * (~65 ms each), most of reclaimsim's scenarios in shape. A run allocates (per-folio generator
 * frames) and its tables are three times what it touches; V8's collector threads take a
 * larger share of the work, which one worker runs on the idle second core and two must share.
 */
const ALLOCATION_HEAVY = {
  name: 'allocation-heavy',
  runs: 240,
  what: '256 MiB pageouts on 2 CPUs',
  yaml: `name: allocation-heavy
base: dirty-16m
set:
  machine.memory: 1GiB
  pageout.size: 256MiB
axes:
  swap.device: [nvme, ssd]
strategies: [upstream, batched]
seeds: 60
`,
};
/** Tiny runs (2 MiB pageouts on a 16 MiB machine, ~1 ms each): the overhead dominates. */
const tiny = (seeds) => `name: tiny\nbase: dirty-16m\nset:\n  machine.memory: 16MiB\n  pageout.size: 2MiB\nseeds: [${seeds.join(', ')}]\n`;
const range = (from, n) => Array.from({ length: n }, (_, i) => from + i);
const TINY_RUNS = 400;

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** Wall seconds of `reclaimsim sweep` processes started together (each with its own arguments). */
async function sweep_seconds(sweep, argument_lists) {
  const file = join(dir, `${sweep.name}.yaml`);
  writeFileSync(file, sweep.yaml);
  const start = performance.now();
  await Promise.all(
    argument_lists.map((args, i) => {
      const child = spawn(process.execPath, [CLI, 'sweep', file, '--no-report', '--out', join(dir, `out-${i}.jsonl`), ...args], { stdio: 'ignore' });
      return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sweep exited with ${code}`)))));
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  argument_lists.forEach((_, i) => rmSync(join(dir, `out-${i}.jsonl`)));
  return seconds;
}

async function speedup(sweep, target) {
  const configurations = {
    one: [['--workers', '1']],
    two: [['--workers', '2']],
    // The same sweep as two independent processes: what this machine gives two busy
    // processes (each with its own collector threads), the ceiling for any pool.
    processes: [['--workers', '1', '--shard', '0/2'], ['--workers', '1', '--shard', '1/2']],
  };
  const best = {};
  // Alternating, best of two: the machine may be busy with something else.
  for (let i = 0; i < 2; i++) {
    for (const [name, argument_lists] of Object.entries(configurations)) {
      best[name] = Math.min(best[name] ?? Infinity, await sweep_seconds(sweep, argument_lists));
    }
  }
  console.log(`${sweep.name} sweep, ${sweep.runs} runs of ${sweep.what} (reclaimsim sweep end to end, best of 2):`);
  console.log(`  1 worker                        ${best.one.toFixed(2)} s   (${((best.one * 1000) / sweep.runs).toFixed(0)} ms/run)`);
  console.log(`  2 workers                       ${best.two.toFixed(2)} s   speedup ${(best.one / best.two).toFixed(2)}x${target ? ' (target >= 1.8x)' : ''}`);
  console.log(`  2 processes, one shard each     ${best.processes.toFixed(2)} s   speedup ${(best.one / best.processes).toFixed(2)}x`);
}

function tiny_tasks(seeds) {
  return expand_grid(parse_sweep(tiny(seeds), join(dir, 'tiny.yaml')));
}

async function per_run_ms(run_all, runs) {
  const start = performance.now();
  await run_all(runs);
  return (performance.now() - start) / runs.length;
}

function free_port() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function start_redis() {
  const port = await free_port();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction']);
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve();
    });
  });
  return { child, url: `redis://127.0.0.1:${port}` };
}

async function overhead() {
  const warm = tiny_tasks(range(100_000, 50));
  // In this thread, warmed up.
  for (const run of warm) execute_run(task_of(run));
  const direct = await per_run_ms(async (runs) => runs.forEach((run) => execute_run(task_of(run))), tiny_tasks(range(1, TINY_RUNS)));
  // Through a warmed pool of one thread.
  const pool = await RunPool.create(1);
  await Promise.all(warm.map((run) => pool.run(task_of(run))));
  const pooled = await per_run_ms((runs) => Promise.all(runs.map((run) => pool.run(task_of(run)))), tiny_tasks(range(1, TINY_RUNS)));
  await pool.close();
  console.log(`Per-run overhead, ${TINY_RUNS} tiny runs (2 MiB pageouts, steady state, one worker thread):`);
  console.log(`  in this thread   ${direct.toFixed(2)} ms/run`);
  console.log(`  thread pool      ${pooled.toFixed(2)} ms/run   overhead ${(pooled - direct).toFixed(2)} ms/run`);
  let redis;
  try {
    redis = await start_redis();
  } catch (error) {
    console.log(`  BullMQ queue     not measured: cannot start redis-server (${error.message}; apt-get install redis-server)`);
    return;
  }
  const listener = { done() {}, failed(run, reason) { throw new Error(`run ${run.id} failed: ${reason}`); } };
  const target = { url: redis.url, name: 'bench' };
  const worker = await start_queue_worker({ ...target, workers: 1, lock_ms: 30_000 });
  try {
    await run_on_queue(tiny_tasks(range(200_000, 50)), target, listener);
    const queued = await per_run_ms((runs) => run_on_queue(runs, target, listener), tiny_tasks(range(1, TINY_RUNS)));
    console.log(`  BullMQ queue     ${queued.toFixed(2)} ms/run   overhead ${(queued - direct).toFixed(2)} ms/run (redis-server on loopback, one worker)`);
  } finally {
    await worker.close();
    redis.child.kill('SIGTERM');
  }
}

try {
  await speedup(CPU_BOUND, true);
  await speedup(ALLOCATION_HEAVY, false);
  await overhead();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
