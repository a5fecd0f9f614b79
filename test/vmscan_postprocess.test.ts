/**
 * The kernel's own reader of reclaim traces, Documentation/trace/postprocess/
 * trace-vmscan-postprocess.pl, run over the --ftrace text of a kswapd and a direct-reclaim
 * scenario: its totals agree with the run's /proc/vmstat counters. The script is taken at test
 * time from Debian's linux-source-6.12 package (/usr/src/linux-source-6.12.tar.xz; .ci/run
 * installs it and perl), never copied into the repository.
 *
 * Where the script no longer matches 6.12: it counts writes from `mm_vmscan_writepage`, which
 * 6.12 names `mm_vmscan_write_folio`, so its "write ... I/O" lines stay 0 (checked as such);
 * it does not know mm_vmscan_lru_shrink_active or memcg_reclaim_* (counted as unknown events);
 * and its per-process table passes more values than its format has columns (only the Summary
 * is read here). It reads /sys/kernel/tracing/events/.../format when present; without it
 * (as here) it warns and uses its built-in regexes, which match 6.12's TP_printk.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { record_run } from '../src/report/record_run.js';
import type { RunResult } from '../src/run/result.js';
import { load_scenario } from '../src/scenario/load.js';

const TARBALL = '/usr/src/linux-source-6.12.tar.xz';
const SCRIPT = 'linux-source-6.12/Documentation/trace/postprocess/trace-vmscan-postprocess.pl';
const in_ci = (process.env.CI ?? '') !== '' && process.env.CI !== 'false';
const perl = spawnSync('perl', ['-v']).status === 0;
const available = existsSync(TARBALL) && perl;
if (!available && !in_ci) {
  console.warn(`vmscan postprocess test skipped: needs ${TARBALL} (apt-get install linux-source-6.12) and perl`);
}

/** TP_printk formats of include/trace/events/vmscan.h (6.12), the printf conversions as regexes. */
const FORMATS: Record<string, RegExp> = {
  mm_vmscan_kswapd_sleep: /^nid=\d+$/,
  mm_vmscan_kswapd_wake: /^nid=\d+ order=\d+$/,
  mm_vmscan_wakeup_kswapd: /^nid=\d+ order=\d+ gfp_flags=[A-Z_|]+$/,
  mm_vmscan_direct_reclaim_begin: /^order=\d+ gfp_flags=[A-Z_|]+$/,
  mm_vmscan_direct_reclaim_end: /^nr_reclaimed=\d+$/,
  mm_vmscan_memcg_reclaim_begin: /^order=\d+ gfp_flags=[A-Z_|]+$/,
  mm_vmscan_memcg_reclaim_end: /^nr_reclaimed=\d+$/,
  mm_vmscan_lru_isolate: /^classzone=\d+ order=\d+ nr_requested=\d+ nr_scanned=\d+ nr_skipped=\d+ nr_taken=\d+ lru=(inactive_anon|active_anon|inactive_file|active_file|unevictable)$/,
  mm_vmscan_lru_shrink_inactive: /^nid=\d+ nr_scanned=\d+ nr_reclaimed=\d+ nr_dirty=\d+ nr_writeback=\d+ nr_congested=\d+ nr_immediate=\d+ nr_activate_anon=\d+ nr_activate_file=\d+ nr_ref_keep=\d+ nr_unmap_fail=\d+ priority=\d+ flags=RECLAIM_WB_[A-Z_|]+$/,
  mm_vmscan_lru_shrink_active: /^nid=\d+ nr_taken=\d+ nr_active=\d+ nr_deactivated=\d+ nr_referenced=\d+ priority=\d+ flags=RECLAIM_WB_[A-Z_|]+$/,
  mm_vmscan_write_folio: /^page=0x[0-9a-f]+ pfn=0x[0-9a-f]+ flags=RECLAIM_WB_[A-Z_|]+$/,
};

const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-vmscan-'));
let script = '';

/** The --ftrace text of a built-in scenario (uncapped) and its result. */
function traced(name: string): { text: string; result: RunResult } {
  const path = join(dir, `${name}.txt`);
  const { result } = record_run(load_scenario(name), { trace_text: path, trace_limits: { events_max: 50_000_000 } });
  return { text: readFileSync(path, 'utf8'), result };
}

/** The script's Summary lines as numbers by label. */
function postprocess(text: string): Record<string, number> {
  const out = execFileSync('perl', [script], { input: text, encoding: 'utf8', maxBuffer: 64 << 20 });
  const summary = out.slice(out.indexOf('\nSummary\n'));
  const totals: Record<string, number> = {};
  // A total the script never added to prints as an empty string: 0.
  for (const m of summary.matchAll(/^([A-Za-z][^:\n]*):[ \t]*([\d.]*)/gm)) totals[(m[1] as string).trim()] = Number(m[2]);
  return totals;
}

function vmstat(result: RunResult, key: string): number {
  return result.vmstat[key] ?? 0;
}

describe.skipIf(!available && !in_ci)("the kernel's trace-vmscan-postprocess.pl over our ftrace", () => {
  beforeAll(() => {
    // Only the one file leaves the tarball, into a temporary folder.
    execFileSync('tar', ['-xJf', TARBALL, '-C', dir, SCRIPT]);
    script = join(dir, SCRIPT);
  }, 120_000);

  it('kswapd-48m: kswapd and direct reclaim totals equal pgscan/pgsteal/allocstall/pageoutrun', () => {
    const { text, result } = traced('kswapd-48m');
    for (const line of text.split('\n')) {
      const m = /: (mm_vmscan_\w+): (.*)$/.exec(line);
      if (m === null) continue;
      expect(FORMATS[m[1] as string], m[1]).toBeDefined();
      expect(m[2], line).toMatch(FORMATS[m[1] as string] as RegExp);
    }
    const t = postprocess(text);
    expect(t['Direct reclaims']).toBe(vmstat(result, 'allocstall_normal'));
    expect(t['Direct reclaims']).toBeGreaterThan(0);
    expect(t['Direct reclaim pages scanned']).toBe(vmstat(result, 'pgscan_direct'));
    expect(t['Direct reclaim pages reclaimed']).toBe(vmstat(result, 'pgsteal_direct'));
    expect(t['Kswapd pages scanned']).toBe(vmstat(result, 'pgscan_kswapd'));
    expect(t['Kswapd pages reclaimed']).toBe(vmstat(result, 'pgsteal_kswapd'));
    expect(t['Kswapd pages reclaimed']).toBeGreaterThan(0);
    // The script counts a wake after a sleep as a wakeup, others as re-wakeups; together they
    // are kswapd's balance_pgdat runs (PAGEOUTRUN). kswapd sleeps once here, so one wakeup.
    const rewake = /^kswapd0-85\s+(\d+)\s+(\d+)/m.exec(execFileSync('perl', [script], { input: text, encoding: 'utf8', maxBuffer: 64 << 20 }));
    expect(rewake).not.toBeNull();
    expect(Number(rewake?.[1]) + Number(rewake?.[2])).toBe(vmstat(result, 'pageoutrun'));
    expect(t['Kswapd wakeups']).toBe(Number(rewake?.[1]));
    // 6.12 renamed mm_vmscan_writepage to mm_vmscan_write_folio: the script sees no write.
    expect(t['Kswapd reclaim write anon async I/O']).toBe(0);
    expect(text).toContain('mm_vmscan_write_folio');
  }, 180_000);

  it('direct-reclaim: every reclaim is direct and the totals equal the counters', () => {
    const { text, result } = traced('direct-reclaim');
    const t = postprocess(text);
    expect(t['Direct reclaims']).toBe(vmstat(result, 'allocstall_normal'));
    expect(t['Direct reclaims']).toBeGreaterThan(0);
    expect(t['Direct reclaim pages scanned']).toBe(vmstat(result, 'pgscan_direct'));
    expect(t['Direct reclaim pages reclaimed']).toBe(vmstat(result, 'pgsteal_direct'));
    expect(t['Kswapd wakeups']).toBe(0);
    expect(t['Wake kswapd requests']).toBe(0);
  }, 180_000);
});

describe('memcg reclaim tracepoints', () => {
  it('stress-memcg: one memcg_reclaim_begin/_end pair per limit reclaim, with what it reclaimed', () => {
    const { text, result } = traced('stress-memcg');
    const begins = text.split('\n').filter((l) => l.includes(': mm_vmscan_memcg_reclaim_begin: order=0 gfp_flags=GFP_HIGHUSER_MOVABLE'));
    const ends = [...text.matchAll(/: mm_vmscan_memcg_reclaim_end: nr_reclaimed=(\d+)/g)].map((m) => Number(m[1]));
    expect(begins.length).toBeGreaterThan(0);
    expect(ends).toHaveLength(begins.length);
    // Every page memcg reclaim stole is in some call's nr_reclaimed.
    expect(ends.reduce((a, b) => a + b, 0)).toBe(result.reclaim?.memcg?.stat.pgsteal_direct);
    expect(text).not.toContain('mm_vmscan_direct_reclaim_begin');
    expect(begins[0]).toMatch(/^\s+stress-ng-vm-100\d /);
  }, 180_000);
});
