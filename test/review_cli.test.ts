/**
 * `reclaimsim review` through the built CLI (issue 17's done-when, on small subsets of the
 * quick suite so the test stays short): the seed patches are INCORRECT with the leak and a
 * shrunk reproducer that fails for them and passes for upstream; zhang-v4 and batched are
 * correct with gains and intervals; a correct but slower strategy is a significant
 * regression (exit 5); a copy of upstream changes nothing (exit 0, all "same"); the verdict
 * fits 80 columns; --list names every entry with its reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ReviewResult } from '../src/review/review.js';

const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');

function cli(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'reclaimsim-review-'));
}

function review_json(cwd: string, out: string): ReviewResult {
  return JSON.parse(readFileSync(join(cwd, out, 'review.json'), 'utf8')) as ReviewResult;
}

/** The verdict is for a mail: plain ASCII, at most 80 columns. */
function expect_mail_ready(text: string): void {
  for (const line of text.split('\n')) {
    expect(line.length, line).toBeLessThanOrEqual(80);
    expect(line).toMatch(/^[\x20-\x7e]*$/);
  }
}

/** A reproduce command as the verdict prints it (continued with backslashes), as argv for the CLI. */
function argv_of(command: string): string[] {
  const words = command.replace(/\s*\\\n\s*/g, ' ').trim().split(/\s+/);
  expect(words.slice(0, 2)).toEqual(['npx', 'reclaimsim']);
  return words.slice(2);
}

const STRATEGY = (name: string, body: string) => `export default {
  name: '${name}',
  description: '${name}',
  *dirty_folio(ctx, pfn) { ${body} yield* ctx.try_to_unmap_flush_dirty(); yield* ctx.pageout_one(pfn); },
  *after_main_loop() {},
};
`;

describe.each(['seed-v1', 'seed-v2'])('review %s', (strategy) => {
  it('says INCORRECT with the leak and a shrunk reproducer that fails for it and passes for upstream', () => {
    const cwd = dir();
    const r = cli(['review', strategy, '--suite', 'quick', '--only', 'dirty-zram', '--swarm', '30', '--out', 'out'], cwd);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(2);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toMatch(/^VERDICT: INCORRECT: LEAKED_FOLIO in 1 scenario, \d+ of 30 swarm seeds/);
    expect_mail_ready(r.stdout);
    expect(readFileSync(join(cwd, 'out', 'verdict.txt'), 'utf8')).toBe(r.stdout);
    const json = review_json(cwd, 'out');
    expect(json.verdict).toMatchObject({ correct: false, exit_code: 2 });
    const leak = json.findings.find((f) => f.code === 'LEAKED_FOLIO' && f.shrunk !== null);
    const shrunk = leak?.shrunk;
    if (shrunk === null || shrunk === undefined) throw new Error('no shrunk LEAKED_FOLIO');
    expect(shrunk.scenario.machine.cpus).toBeLessThanOrEqual(2);
    expect(shrunk.scenario.pageout.size).toBe(4096);
    expect(shrunk.scenario.swap.device).toBe('zram');
    expect(shrunk.baseline_fires).toBe(false);
    expect(parse(readFileSync(join(cwd, shrunk.file), 'utf8'))).toMatchObject({ pageout: { size: '4KiB' } });
    // The reproducer as printed, run through the CLI: it fails for the candidate, upstream passes.
    const printed = r.stdout.slice(r.stdout.indexOf('reproduce: npx reclaimsim run'));
    const command = printed.slice('reproduce: '.length, printed.indexOf('--fail-on-violation') + '--fail-on-violation'.length);
    const args = argv_of(command);
    expect(args).toContain(strategy);
    const bad = cli(args, cwd);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toContain('LEAKED_FOLIO');
    const good = cli(args.map((a) => (a === strategy ? 'upstream' : a)), cwd);
    expect(good.stdout).toContain('oracle: correct');
    expect(good.status).toBe(0);
  });
});

describe.each(['zhang-v4', 'batched'])('review %s', (strategy) => {
  it('says correct and lists its gains against upstream with intervals', () => {
    const cwd = dir();
    const r = cli(['review', strategy, '--suite', 'quick', '--only', 'madv-1g,stress-memcg', '--seeds', '3', '--swarm', '20', '--out', 'out'], cwd);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect_mail_ready(r.stdout);
    expect(r.stdout.split('\n')[1]).toBe('VERDICT: correct - oracle on every run, swarm 20 seeds: no violation');
    expect(r.stdout).toMatch(/^Gains \(/m);
    expect(r.stdout).toMatch(/^ {2}madv-1g +TLB shootdowns +262655 -> \d+ +-9\d\.\d% +exact$/m);
    // A seeded figure: its interval.
    expect(r.stdout).toMatch(/^ {2}stress-memcg .* \[-\d+\.\d,-\d+\.\d\]$/m);
    expect(r.stdout).toMatch(/^Helps: (madv-1g stress-memcg|stress-memcg madv-1g)$/m);
    const json = review_json(cwd, 'out');
    const tlb = json.scenarios.find((s) => s.id === 'madv-1g')?.cells.find((c) => c.metric === 'TLB shootdowns');
    expect(tlb).toMatchObject({ exact: true, class: 'better', base: { mean: 262655, n: 1 } });
    const stall = json.scenarios.find((s) => s.id === 'stress-memcg')?.cells.find((c) => c.metric === 'reclaim stall');
    expect(stall?.exact).toBe(false);
    expect(stall?.base.n).toBe(3);
    expect(stall?.ci?.[1]).toBeLessThan(0);
    expect(stall?.class).toBe('better');
  });
});

describe('review of user strategy modules', () => {
  it('reports a correct but slower strategy as a significant regression (exit 5), unless the threshold allows it', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'slow.mjs'), STRATEGY('slow', 'ctx.now_ns += 2000; yield* ctx.sync();'));
    const r = cli(['review', './slow.mjs', '--suite', 'quick', '--only', 'dirty-nvme,direct', '--seeds', '3', '--swarm', '10', '--out', 'out'], cwd);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(5);
    expect_mail_ready(r.stdout);
    expect(r.stdout.split('\n')[1]).toMatch(/^VERDICT: correct/);
    expect(r.stdout).toMatch(/^Worst gated regression \(beyond 5%: exit 5\):\n {2}dirty-nvme +reclaim duration +14\.1ms -> 22\.3ms +\+58\.1% +exact$/m);
    expect(r.stdout).toMatch(/^Hurts: .*dirty-nvme/m);
    const again = cli(['review', './slow.mjs', '--suite', 'quick', '--only', 'dirty-nvme,direct', '--seeds', '3', '--swarm', '0', '--out', 'out', '--max-regression', '1000'], cwd);
    expect(again.status).toBe(0);
  });

  it('finds nothing in a copy of upstream: exit 0, every cell the same', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'noop.mjs'), STRATEGY('noop', ''));
    const r = cli(['review', './noop.mjs', '--suite', 'quick', '--only', 'dirty-nvme,race,arm64-phone', '--seeds', '3', '--swarm', '10', '--out', 'out'], cwd);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Same: {2}dirty-nvme race arm64-phone$/m);
    const json = review_json(cwd, 'out');
    const cells = json.scenarios.flatMap((s) => s.cells);
    expect(cells.length).toBeGreaterThan(15);
    for (const c of cells) expect(c).toMatchObject({ class: 'same', change: 0 });
    expect(readFileSync(join(cwd, 'out', 'review.html'), 'utf8')).toContain('VERDICT: correct');
    // Again in the same directory: every run comes from runs.jsonl, and the review is the same to the byte.
    const files = ['runs.jsonl', 'review.json', 'verdict.txt'].map((f) => readFileSync(join(cwd, 'out', f), 'utf8'));
    const again = cli(['review', './noop.mjs', '--suite', 'quick', '--only', 'dirty-nvme,race,arm64-phone', '--seeds', '3', '--swarm', '10', '--out', 'out'], cwd);
    expect(again.stdout).toBe(r.stdout);
    expect(again.stderr).toBe('reclaimsim: 10 of 10 runs reused from out/runs.jsonl\n');
    expect(['runs.jsonl', 'review.json', 'verdict.txt'].map((f) => readFileSync(join(cwd, 'out', f), 'utf8'))).toEqual(files);
  });
});

describe('review of a module with a long path', () => {
  it('wraps the header and the gains line within 80 columns', () => {
    const cwd = dir();
    mkdirSync(join(cwd, 'strategies'));
    writeFileSync(join(cwd, 'strategies', 'upstream-copy-for-review.mjs'), STRATEGY('copy', ''));
    const r = cli(['review', './strategies/upstream-copy-for-review.mjs', '--suite', 'quick', '--only', 'dirty-nvme', '--swarm', '0', '--out', 'out'], cwd);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['reclaimsim review: ./strategies/upstream-copy-for-review.mjs against upstream', '  (suite quick@1, 5 seeds)']);
    expect(r.stdout).toContain('Gains (./strategies/upstream-copy-for-review.mjs vs upstream; mean, 95% CI;\n  exact: same on every seed)\n');
    expect_mail_ready(r.stdout);
  });
});

describe('review with a failing baseline', () => {
  it('gives no judgement and exits 4 when the model fails running the baseline', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'crash.mjs'), STRATEGY('crash', 'yield* ctx.pageout_one(pfn);'));
    const r = cli(['review', 'batched', '--against', './crash.mjs', '--suite', 'quick', '--only', 'dirty-nvme', '--swarm', '0', '--out', 'out'], cwd);
    expect(r.status).toBe(4);
    expect(r.stdout.split('\n')[1]).toBe('VERDICT: NO JUDGEMENT: the model failed running the baseline');
    expect(r.stdout).toContain('unlock of unlocked folio');
    expect(r.stdout).not.toContain('Gains');
    expect_mail_ready(r.stdout);
  });

  it('exits 4, not 3, when candidate runs also failed outside the model (memo §1.2 precedence)', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'crash.mjs'), STRATEGY('crash', 'yield* ctx.pageout_one(pfn);'));
    // Loads in the main thread (planning), fails to load in every worker thread: its runs fail outside the model.
    writeFileSync(join(cwd, 'threadless.mjs'), `import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) throw new Error('no worker threads here');\n${STRATEGY('threadless', '')}`);
    const r = cli(['review', './threadless.mjs', '--against', './crash.mjs', '--suite', 'quick', '--only', 'dirty-nvme', '--swarm', '0', '--no-shrink', '--out', 'out'], cwd);
    expect(r.status).toBe(4);
    expect(r.stdout.split('\n')[1]).toBe('VERDICT: NO JUDGEMENT: the model failed running the baseline');
  });
});

describe('review --list and bad usage', () => {
  it('lists every entry of a suite with its reason, the MGLRU entry among them', () => {
    const r = cli(['review', '--list', '--suite', 'quick'], dir());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^suite quick@1: 17 scenarios/);
    expect(r.stdout).toMatch(/^dirty-zram +exact +synchronous device/m);
    expect(r.stdout).toMatch(/^stress-memcg +seeded +memcg limit reclaim/m);
    expect(r.stdout).toMatch(/^mglru-stress +seeded +memcg limit reclaim under the multi-gen LRU/m);
  });

  it('exits 1 on an unknown strategy, entry or flag value', () => {
    const cwd = dir();
    for (const args of [['review', 'nosuch', '--suite', 'quick'], ['review', 'batched', '--only', 'nosuch'], ['review', 'batched', '--only', ','], ['review', 'batched', '--seeds', '1'], ['review', 'batched', '--suite', 'huge'], ['review']]) {
      const r = cli(args, cwd);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^(reclaimsim: |error: )/);
    }
  });
});
