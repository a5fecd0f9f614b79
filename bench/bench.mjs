// npm run bench: the speed of the simulator core on the two reference cases, each
// in its own process so that peak RSS is its own. Prints wall time, simulated folios and
// events per second, peak RSS and bytes of RSS per simulated 4 KiB page of machine memory.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CASES = {
  a: { label: '(a) 1 GiB dirty MADV_PAGEOUT, 64 CPUs, 63 threads, upstream', scenario: 'shootdown-64', sets: [], target_ms: 1000 },
  b: { label: '(b) madv-pageout preset, 20 GiB region', scenario: 'madv-pageout', sets: [], target_ms: 10000 },
};

async function measure(key) {
  const { loadScenario, runScenario } = await import('../dist/index.js');
  const c = CASES[key];
  const scenario = loadScenario(c.scenario, c.sets);
  globalThis.gc?.();
  const rss_before = process.memoryUsage().rss;
  const result = runScenario(scenario);
  const peak_rss = process.resourceUsage().maxRSS * 1024;
  const pages = scenario.machine.memory / 4096;
  const folios = scenario.pageout.size / 4096 * (scenario.pageout.mode === 'clean' ? 2 : 1);
  process.stdout.write(JSON.stringify({
    key,
    wall_ms: result.wall_ms,
    folios,
    events: result.events,
    peak_rss,
    bytes_per_page: (peak_rss - rss_before) / pages,
    tlb_max: Math.max(...result.interrupts.TLB),
  }));
}

if (process.argv[2] === '--case') {
  await measure(process.argv[3]);
} else {
  const self = fileURLToPath(import.meta.url);
  console.log('case'.padEnd(62) + 'wall ms  target   folios/s    events/s   peak RSS  B/page');
  for (const key of Object.keys(CASES)) {
    const child = spawnSync(process.execPath, ['--expose-gc', self, '--case', key], { encoding: 'utf8' });
    if (child.status !== 0) {
      console.error(child.stderr);
      process.exit(1);
    }
    const m = JSON.parse(child.stdout);
    const c = CASES[key];
    const s = m.wall_ms / 1000;
    console.log(
      c.label.padEnd(62) +
        String(m.wall_ms).padStart(7) + String(c.target_ms).padStart(8) +
        (m.folios / s).toExponential(2).padStart(11) + (m.events / s).toExponential(2).padStart(12) +
        `${(m.peak_rss / 2 ** 20).toFixed(0)} MiB`.padStart(11) + m.bytes_per_page.toFixed(1).padStart(8),
    );
  }
}
