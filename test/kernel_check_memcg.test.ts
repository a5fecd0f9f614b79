/**
 * kernel-check's memcg case (issue 13, docs/kernel-check.md "MGLRU on and off") without a boot:
 * the scenario's mapping to the guest, the guest's report as 6.12.118 printed it under TCG
 * (test/kernel_check_guest/*.json, real runs), the comparison with the model, and
 * reclaim.lru in the model.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run_scenario } from '../src/run/run_scenario.js';
import { KernelCheckError } from '../src/kernel_check/errors.js';
import { guest_program_args, plan_experiment } from '../src/kernel_check/experiment.js';
import { read_guest_report, type GuestReport } from '../src/kernel_check/guest_result.js';
import { compare_memcg_with_model, lru_gen_seqs, lru_gen_text, lru_gen_walk_stats, vmscan_summary_tracer } from '../src/kernel_check/memcg_comparison.js';
import { format_kernel_check } from '../src/kernel_check/format.js';
import { kernel_check_json, type KernelCheckResult } from '../src/kernel_check/kernel_check.js';
import { load_scenario } from '../src/scenario/load.js';
import { capture, console_with } from './kernel_check_fixtures.js';

const DIR = join(new URL('.', import.meta.url).pathname, 'kernel_check_guest');
const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');
const MiB = 1024 * 1024;

function stored(name: string): GuestReport {
  const report = JSON.parse(readFileSync(join(DIR, name), 'utf8')) as GuestReport;
  return read_guest_report(capture(console_with(report)));
}

describe('kernel-check memcg case: the scenario in the guest', () => {
  it('maps memcg-write-24m to a 24 MiB write in a 17 MiB cgroup, classic unless reclaim.lru says mglru', () => {
    const classic = plan_experiment(load_scenario('memcg-write-24m'));
    expect(classic.experiment.memcg).toEqual({ max_bytes: 17 * MiB, lru: 'classic' });
    expect(classic.experiment).toMatchObject({ size_bytes: 24 * MiB, threads: 0, swap: 'zram', cpus: 3 });
    expect(guest_program_args(classic.experiment)).toEqual(['--threads', '0', '--size', String(24 * MiB), '--chunk', 'whole', '--mode', 'dirty', '--memcg-max', String(17 * MiB), '--lru', 'classic']);
    const mglru = plan_experiment(load_scenario('memcg-write-24m', ['reclaim.lru=mglru', 'workload.threads=2']));
    expect(guest_program_args(mglru.experiment).slice(-2)).toEqual(['--lru', 'mglru']);
    expect(mglru.experiment.threads).toBe(2);
    expect(mglru.notes.join('\n')).toMatch(/the model runs MGLRU's memcg limit reclaim \(issue 13\)/);
    expect(mglru.notes.join('\n')).toMatch(/spinning thread\(s\) on CPUs 1\.\.2.*shown, not judged/);
  });

  it('refuses, by field, a stress scenario the guest cannot reproduce', () => {
    const refused = (sets: string[]) => {
      try {
        plan_experiment(load_scenario('memcg-write-24m', sets));
      } catch (error) {
        expect(error).toBeInstanceOf(KernelCheckError);
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refused(['stress.workers=2'])).toMatch(/stress\.workers: the guest writes from one process/);
    expect(refused(['stress.passes=3'])).toMatch(/stress\.passes: the guest writes its region once/);
    expect(refused(['memory.thp=always'])).toMatch(/memory\.thp \/ memory\.mthp/);
    expect(refused(['machine.memory=128MiB'])).toMatch(/machine\.memory: .*--set machine\.memory=176MiB/);
    expect(() => plan_experiment(load_scenario('stress-memcg'))).toThrow(/stress\.workers/);
    // MADV_PAGEOUT takes reclaim_pages under both LRUs: the guest does not switch it there.
    expect(() => plan_experiment(load_scenario('dirty-16m', ['reclaim.lru=classic']))).toThrow(/reclaim\.lru: the guest selects the LRU in its memcg case only/);
  });
});

describe('kernel-check memcg case: the guest report of 6.12.118', () => {
  it('parses the classic run: memory.stat deltas, the cgroup, the vmscan trace summed up', () => {
    const report = stored('memcg-classic-t0.json');
    const write = report.phases.find((p) => p.name === 'memcg-write');
    expect(report.last_pageout).toBe('memcg-write');
    expect(write?.memcg_stat).toMatchObject({ pgscan_direct: 6161, pgsteal_direct: 1819, pgrefill: 0, pgactivate: 0, pgdeactivate: 0 });
    expect(write?.vmstat).toMatchObject({ pswpout: 1819, pgscan_direct: 0, allocstall_normal: 0, pageoutrun: 0, pgscan_anon: 6161 });
    expect(report.memcg).toMatchObject({ max: 17 * MiB, lru: 'classic', lru_gen_enabled_at_boot: '0x0007', lru_gen_enabled: '0x0000', events_max: 43 });
    expect(report.memcg?.trace).toMatchObject({ reclaim_calls: 43, shrink_inactive: { events: 355, nr_scanned: 6161, nr_reclaimed: 1819, nr_ref_keep: 4342 } });
    expect(report.memcg?.trace.shrink_inactive.by_nr_scanned['32']).toBe(135);
    expect(lru_gen_text(report.memcg?.lru_gen_after ?? '')).toBe('all generations empty');
  });

  it('parses the MGLRU run: 29 passes of 64, the generations debugfs shows', () => {
    const report = stored('memcg-mglru-t2.json');
    const m = report.memcg;
    expect(m).toMatchObject({ lru: 'mglru', lru_gen_enabled: '0x0007', events_max: 29 });
    expect(m?.trace.shrink_inactive).toMatchObject({ events: 29, nr_scanned: 1856, nr_reclaimed: 1856, by_nr_scanned: { 64: 29 }, by_nr_reclaimed: { 64: 29 } });
    expect(lru_gen_seqs(m?.lru_gen_after ?? '').map((s) => [s.seq, s.anon])).toEqual([[3, 2486], [4, 0], [5, 1789]]);
    expect(lru_gen_seqs(m?.lru_gen_before ?? '').map((s) => s.seq)).toEqual([0, 1, 2, 3]);
    // One walk cleared the accessed bit of every region page charged before the first reclaim.
    expect(lru_gen_walk_stats(m?.lru_gen_full_after ?? '')).toEqual({ total: 7316, young: 4342, found: 17, added: 9 });
    const write = report.phases.find((p) => p.name === 'memcg-write');
    expect(write?.TLB).toEqual([0, 1856, 1856]);
    expect(write?.vmstat.pswpout).toBe(1856);
  });
});

describe('kernel-check memcg case: the comparison', () => {
  it('classic: the model agrees with every count stable in the kernel, within 2 %', () => {
    const report = stored('memcg-classic-t0.json');
    const plan = plan_experiment(load_scenario('memcg-write-24m'));
    const { tracer, summary } = vmscan_summary_tracer();
    const model = run_scenario(plan.model_scenario, { tracer });
    const figures = Object.fromEntries(compare_memcg_with_model(model, summary, report, plan.experiment, '/tmp/log').map((f) => [f.figure, f]));
    const judged = Object.values(figures).filter((f) => f.verdict === 'agree' || f.verdict === 'disagree');
    expect(judged.filter((f) => f.verdict === 'disagree')).toEqual([]);
    expect(judged.length).toBeGreaterThanOrEqual(18);
    // The model charges the region's page tables and anon_vma as the kernel does (L = 4342 at
    // the first reclaim, = nr_ref_keep), and then makes the one T = 2 guest run's 44 calls.
    expect(figures.pswpout).toMatchObject({ model: 1839, kernel: 1819 });
    expect(figures['memcg pgscan_direct']).toMatchObject({ model: 6181, kernel: 6161 });
    expect(figures['nr_ref_keep, summed over the passes']).toMatchObject({ model: 4342, kernel: 4342 });
    expect(figures['reclaim calls (mm_vmscan_memcg_reclaim_begin)']).toMatchObject({ model: 44, kernel: 43, verdict: 'agree' });
    expect(figures['shrink_folio_list passes (mm_vmscan_lru_shrink_inactive)']).toMatchObject({ model: 357, kernel: 355 });
    expect(figures['nr_scanned per pass (value×passes)']?.verdict).toBe('shown');
  });

});

describe('kernel-check memcg case: what it prints and writes', () => {
  /** A result as kernel_check() returns it, around a stored guest report. */
  function result(file: string, sets: string[]): KernelCheckResult {
    const report = stored(file);
    const scenario = load_scenario('memcg-write-24m', sets);
    const { experiment, notes } = plan_experiment(scenario);
    const { tracer, summary } = vmscan_summary_tracer();
    const model = run_scenario(plan_experiment(scenario).model_scenario, { tracer });
    const write = report.phases.find((p) => p.name === 'memcg-write');
    if (write === undefined || report.memcg === undefined) throw new Error('stored report without its memcg case');
    const comparison = compare_memcg_with_model(model, summary, report, experiment, '/tmp/log');
    return {
      model,
      notes,
      scenario,
      kernel: {
        image: '/tmp/linux-image.deb', uname: report.uname_r, accelerator: 'tcg', accelerator_note: null, pv_tlb_flush: false, hypervisor: null,
        wall_seconds: 5, console_log: '/tmp/log', boot_retries: [], qemu_command: ['qemu-system-x86_64'], experiment, memcg: report.memcg,
        measured_phase: write.name, interrupts: { TLB: write.TLB, CAL: write.CAL }, vmstat: write.vmstat, phases: report.phases, verify: report.verify,
        comparison, agree: comparison.every((f) => f.verdict !== 'disagree'),
      },
    };
  }

  it('classic: the header names the cgroup and the LRU, every judged figure agrees', () => {
    const text = format_kernel_check(result('memcg-classic-t0.json', []), 'memcg-write-24m');
    expect(text).toMatch(/^reclaimsim kernel-check: memcg-write-24m, model strategy upstream$/m);
    expect(text).toMatch(/24MiB written once from CPU 0 in a cgroup of memory\.max 17MiB, classic LRU \(lru_gen n\), no other thread; measured: memcg-write/);
    expect(text).toMatch(/^verdict: all 21 judged figures agree$/m);
  });

  it('mglru: the model runs and every judged figure agrees; the JSON keeps the scenario and the kernel section', () => {
    const r = result('memcg-mglru-t2.json', ['reclaim.lru=mglru', 'workload.threads=2']);
    const text = format_kernel_check(r, 'memcg-write-24m');
    expect(text).toMatch(/^reclaimsim kernel-check: memcg-write-24m, model strategy upstream$/m);
    expect(text).toMatch(/MGLRU \(lru_gen 0x0007\), 2 spinning threads on CPUs 1\.\.2/);
    expect(text).toMatch(/^verdict: all 24 judged figures agree$/m);
    const json = JSON.parse(kernel_check_json(r)) as { runs: { scenario: { reclaim: { lru: string } }; kernel: { memcg: { events_max: number } } }[] };
    expect(json.runs[0]?.scenario.reclaim.lru).toBe('mglru');
    expect(json.runs[0]?.kernel.memcg.events_max).toBe(29);
  });
});

describe('MGLRU expectations for the model of issue 13 (test/kernel_check_guest/mglru-expected.json)', () => {
  const expected = JSON.parse(readFileSync(join(DIR, 'mglru-expected.json'), 'utf8')) as { stable: Record<string, Record<string, number | string>> };

  for (const threads of [0, 2]) {
    it(`names figures of the comparison, with the values the stored MGLRU run with ${threads} spinners shows`, () => {
      const report = stored(`memcg-mglru-t${threads}.json`);
      const plan = plan_experiment(load_scenario('memcg-write-24m', ['reclaim.lru=mglru', `workload.threads=${threads}`]));
      const { tracer, summary } = vmscan_summary_tracer();
      const model = run_scenario(plan.model_scenario, { tracer });
      const kernel = Object.fromEntries(compare_memcg_with_model(model, summary, report, plan.experiment, '/tmp/log').map((f) => [f.figure, f.kernel]));
      const stable = expected.stable[`threads ${threads}`] ?? {};
      expect(Object.keys(stable).length).toBeGreaterThanOrEqual(24);
      for (const [figure, value] of Object.entries(stable)) expect(kernel[figure], figure).toEqual(value);
    });
  }

  for (const threads of [0, 2]) {
    it(`the MGLRU model meets every stable figure of the run with ${threads} spinners within 2 % (exactly, here)`, () => {
      const report = stored(`memcg-mglru-t${threads}.json`);
      const plan = plan_experiment(load_scenario('memcg-write-24m', ['reclaim.lru=mglru', `workload.threads=${threads}`]));
      const { tracer, summary } = vmscan_summary_tracer();
      const model = run_scenario(plan.model_scenario, { tracer });
      const figures = Object.fromEntries(compare_memcg_with_model(model, summary, report, plan.experiment, '/tmp/log').map((f) => [f.figure, f]));
      const judged = Object.values(figures).filter((f) => f.verdict === 'agree' || f.verdict === 'disagree');
      expect(judged.filter((f) => f.verdict === 'disagree')).toEqual([]);
      expect(judged.filter((f) => f.model !== f.kernel && f.figure !== 'data verification, bad pages').map((f) => f.figure)).toEqual([]);
      expect(judged.length).toBe(threads === 0 ? 26 : 24);
      const stable = expected.stable[`threads ${threads}`] ?? {};
      for (const [figure, value] of Object.entries(stable)) {
        const f = figures[figure];
        if (f?.verdict === 'agree') expect(f.model, figure).toEqual(value);
      }
      expect(figures['MGLRU generations after the write (seq:anon pages)']).toMatchObject({ model: '3:2486 4:0 5:1789', kernel: '3:2486 4:0 5:1789' });
      expect(figures['nr_scanned per pass (value×passes)']).toMatchObject({ model: '64×29', kernel: '64×29' });
      expect(figures['priority per pass (value×passes)']).toMatchObject({ model: '9×1 12×28', kernel: '9×1 12×28' });
    });
  }
});

describe('reclaim.lru in the model', () => {
  it('runs mglru (memcg reclaim evicts 64-page batches, so its counts differ) and classic as when the field is absent', () => {
    const mglru = run_scenario(load_scenario('memcg-write-24m', ['reclaim.lru=mglru']));
    expect([mglru.vmstat.pswpout, mglru.reclaim?.memcg?.events.max, mglru.oracle.verdict]).toEqual([1856, 29, 'correct']);
    const plain = run_scenario(load_scenario('memcg-write-24m'));
    const classic = run_scenario(load_scenario('memcg-write-24m', ['reclaim.lru=classic']));
    expect(classic.vmstat).toEqual(plain.vmstat);
    expect(classic.reclaim?.memcg).toEqual(plain.reclaim?.memcg);
    expect(mglru.vmstat).not.toEqual(plain.vmstat);
  });

  it('run exits 0 for reclaim.lru=mglru', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', 'memcg-write-24m', '--set', 'reclaim.lru=mglru'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/oracle: correct/);
  });
});
