// npm run bench: the speed of the simulator core on the reference cases, each
// in its own process so that peak RSS is its own. Prints wall and CPU time, simulated folios
// and events per second, peak RSS, RSS growth and model state per simulated 4 KiB page of
// machine memory, and the oracle's overhead (the same case with the oracle on).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const CASES = {
  a: { label: '(a) 1 GiB dirty pageout, 64 CPUs, 63 threads', scenario: 'shootdown-64', target_ms: 1000 },
  b: { label: '(b) madv-pageout preset, 20 GiB region', scenario: 'madv-pageout', target_ms: 10000 },
  // Issue 13: memcg limit reclaim under the multi-gen LRU (64-folio batches), 16 workers on 16 CPUs.
  c: {
    label: '(c) stress-memcg, MGLRU, 16 CPUs x 16 MiB',
    scenario: 'stress-memcg',
    sets: ['reclaim.lru=mglru', 'machine.cpus=16', 'stress.workers=16', 'memcg.max=128MiB'],
    target_ms: 10000,
  },
};

/** Bytes of the model's typed arrays (folios, swap map and cache, page tables). */
function state_bytes(k) {
  let bytes = 0;
  const add = (o) => {
    for (const v of Object.values(o)) if (ArrayBuffer.isView(v)) bytes += v.byteLength;
  };
  add(k.pgdat.folios);
  add(k.pgdat.swap);
  for (const mm of k.pgdat.mms) add(mm);
  return bytes;
}

/**
 * CPU ms of this process's main thread so far (Linux: /proc, 10 ms ticks), or null. Unlike
 * wall and process CPU time it leaves out V8's background compiler and collector threads, so
 * it moves little when other work shares the machine: the figure to compare two trees by on
 * a busy machine (wall, on a quiet one).
 */
function main_thread_cpu_ms() {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

async function measure(key, oracle) {
  const { loadScenario, runScenario } = await import('../dist/index.js');
  const c = CASES[key];
  const scenario = loadScenario(c.scenario, c.sets ?? []);
  globalThis.gc?.();
  const rss_before = process.memoryUsage().rss;
  const cpu_before = process.cpuUsage();
  const main_before = main_thread_cpu_ms();
  let bytes = 0;
  const result = runScenario(scenario, { oracle, inspect: (k) => (bytes = state_bytes(k)) });
  const cpu = process.cpuUsage(cpu_before);
  const main_after = main_thread_cpu_ms();
  const peak_rss = process.resourceUsage().maxRSS * 1024;
  const pages = scenario.machine.memory / 4096;
  process.stdout.write(
    JSON.stringify({
      wall_ms: result.wall_ms,
      cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
      main_thread_ms: main_before === null ? null : main_after - main_before,
      // Folios paged out: the MADV_PAGEOUT region (twice when clean: out, read back, out), or what reclaim reclaimed.
      folios: scenario.workload.kind === 'stress' ? result.vmstat.sim_nr_reclaimed : (scenario.pageout.size / 4096) * (scenario.pageout.mode === 'clean' ? 2 : 1),
      events: result.events,
      peak_rss,
      rss_per_page: (peak_rss - rss_before) / pages,
      state_per_page: bytes / pages,
    }),
  );
}

function child(key, oracle) {
  const self = fileURLToPath(import.meta.url);
  const run = spawnSync(process.execPath, ['--expose-gc', self, '--case', key, oracle ? 'on' : 'off'], { encoding: 'utf8' });
  if (run.status !== 0) {
    console.error(run.stderr);
    process.exit(1);
  }
  return JSON.parse(run.stdout);
}

if (process.argv[2] === '--case') {
  await measure(process.argv[3], process.argv[4] === 'on');
} else {
  const header = ['case', 'wall ms', 'cpu ms', 'main ms', 'target', 'folios/s', 'events/s', 'peak RSS', 'RSS B/page', 'state B/page', 'oracle x'];
  console.log(header[0].padEnd(48) + header.slice(1).map((h) => h.padStart(12)).join(''));
  for (const key of Object.keys(CASES)) {
    const m = child(key, false);
    const o = child(key, true);
    const s = m.wall_ms / 1000;
    const cells = [
      String(m.wall_ms),
      String(m.cpu_ms),
      String(m.main_thread_ms ?? '-'),
      `< ${CASES[key].target_ms}`,
      (m.folios / s).toExponential(2),
      (m.events / s).toExponential(2),
      `${(m.peak_rss / 2 ** 20).toFixed(0)} MiB`,
      m.rss_per_page.toFixed(1),
      m.state_per_page.toFixed(1),
      (o.cpu_ms / m.cpu_ms).toFixed(2),
    ];
    console.log(CASES[key].label.padEnd(48) + cells.map((c) => c.padStart(12)).join(''));
  }
}
