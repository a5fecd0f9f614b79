/**
 * kernel-check end to end: boots a real Debian 6.12 kernel under qemu for ten small experiments
 * (2 vCPUs, 16 MiB, one spinning thread) and a memcg limit one (24 MiB written in 17 MiB), and holds the model's `upstream` counts to the
 * kernel's within 2 %. CI (.ci/run) installs qemu and busybox-static and downloads the kernel
 * package; a missing prerequisite fails here with the reason. Developers without qemu set
 * RECLAIMSIM_SKIP_KERNEL_CHECK=1.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { default_cache_dir } from '../src/kernel_check/cache.js';
import type { KernelFigure } from '../src/kernel_check/comparison.js';
import { which } from '../src/kernel_check/host_tools.js';
import { kernel_image } from './kernel_check_fixtures.js';

const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');
const SKIP = process.env.RECLAIMSIM_SKIP_KERNEL_CHECK === '1';
/** Per boot: ~5 s on an idle host under TCG, ~30 s on a busy one; the guest is killed at GUEST_TIMEOUT_S. */
const GUEST_TIMEOUT_S = 300;
const TEST_TIMEOUT_MS = (GUEST_TIMEOUT_S * 3 + 60) * 1000; // the harness may boot again after a rare boot crash

interface CheckOutcome {
  status: number;
  stdout: string;
  stderr: string;
  figures: Record<string, KernelFigure>;
  wall_seconds: number;
}

function kernel_check(image: string, scenario: string, sets: string[]): Promise<CheckOutcome> {
  const json = join(mkdtempSync(join(tmpdir(), 'kernel-check-e2e-')), 'result.json');
  const args = [CLI, 'kernel-check', scenario, '--kernel', image, '--timeout', String(GUEST_TIMEOUT_S), '--json', json, ...sets.flatMap((s) => ['--set', s])];
  return new Promise((done) => {
    execFile(process.execPath, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      if (status !== 0) {
        done({ status, stdout, stderr, figures: {}, wall_seconds: 0 });
        return;
      }
      const run = (JSON.parse(readFileSync(json, 'utf8')) as { runs: { kernel: { comparison: KernelFigure[]; wall_seconds: number } }[] }).runs[0];
      done({ status, stdout, stderr, figures: Object.fromEntries((run?.kernel.comparison ?? []).map((f) => [f.figure, f])), wall_seconds: run?.kernel.wall_seconds ?? 0 });
    });
  });
}

/**
 * The model's upstream counts on CPU 1 and pages written (a clean re-pageout to a block device
 * writes nothing), and for large folios the THP counters judged too. The THP case runs on
 * virtio-blk, a rotational disk: each THP is split before swap-out (P + H = 4104 rounds, see
 * test/large_folios.test.ts); the mTHP case on zram swaps each 64 KiB folio whole (M + N - 1).
 */
const CASES: { name: string; scenario: string; sets: string[]; tlb: number; pswpout: number; pgfree: boolean; extra?: string[] }[] = [
  { name: 'dirty, virtio-blk, whole range', scenario: 'dirty-16m', sets: [], tlb: 4103, pswpout: 4096, pgfree: false },
  { name: 'dirty, virtio-blk, 2 MiB chunks', scenario: 'dirty-16m-chunked', sets: [], tlb: 4103, pswpout: 4096, pgfree: false },
  { name: 'clean re-pageout, virtio-blk', scenario: 'clean-16m', sets: [], tlb: 144, pswpout: 0, pgfree: true },
  { name: 'dirty, zram', scenario: 'dirty-16m', sets: ['swap.device=zram'], tlb: 4103, pswpout: 4096, pgfree: true },
  { name: 'clean re-pageout, zram', scenario: 'clean-16m', sets: ['swap.device=zram'], tlb: 144, pswpout: 4096, pgfree: true },
  { name: 'single-threaded, virtio-blk', scenario: 'single-thread-16m', sets: [], tlb: 0, pswpout: 4096, pgfree: false },
  {
    name: 'dirty, PMD THP, virtio-blk (rotational: split)',
    scenario: 'dirty-16m',
    sets: ['memory.thp=always'],
    tlb: 4104,
    pswpout: 4096,
    pgfree: false,
    extra: ['thp_fault_alloc', 'thp_split_pmd', 'thp_split_page', 'thp_swpout_fallback', 'hugepages-2048kB split'],
  },
  {
    name: 'dirty, 64 KiB mTHP, zram',
    scenario: 'dirty-16m',
    sets: ['memory.mthp.64KiB=always', 'swap.device=zram'],
    tlb: 263,
    pswpout: 4096,
    pgfree: true,
    extra: ['hugepages-64kB swpout'],
  },
  // The file case (issue 12; docs/kernel-check.md "The file case"): a dirty MAP_SHARED file folio
  // is unmapped and, MADV_PAGEOUT not being kswapd, activated with PG_reclaim unwritten (N + N - 1);
  // a clean one is freed through the free batch (17N + N - 1).
  {
    name: 'dirty MAP_SHARED file, ext2 on virtio-blk',
    scenario: 'dirty-16m',
    sets: ['pageout.backing=file', 'pageout.mapping=shared'],
    tlb: 15,
    pswpout: 0,
    pgfree: false,
    extra: ['pgactivate', 'nr_vmscan_immediate_reclaim', 'pgpgout'],
  },
  {
    name: 'clean MAP_SHARED file, ext2 on virtio-blk',
    scenario: 'dirty-16m',
    sets: ['pageout.backing=file', 'pageout.mapping=shared', 'pageout.mode=clean'],
    tlb: 143,
    pswpout: 0,
    pgfree: true,
    extra: ['pgpgout'],
  },
];

describe.skipIf(SKIP)('kernel-check against a real 6.12 kernel under qemu', () => {
  const image = kernel_image();

  it('has its prerequisites (or set RECLAIMSIM_SKIP_KERNEL_CHECK=1)', () => {
    expect(which('qemu-system-x86_64'), 'qemu-system-x86_64 is not on PATH: apt-get install qemu-system-x86').not.toBeNull();
    expect(
      image,
      `no kernel image: set RECLAIMSIM_KERNEL_IMAGE to a linux-image-6.12.*-amd64-unsigned .deb, or download one into ${join(default_cache_dir(), 'debs')} with apt-get download`,
    ).not.toBeNull();
  });

  for (const c of CASES) {
    it(`${c.name}: upstream's counts agree with the kernel's within 2 %`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const r = await kernel_check(image ?? 'no-kernel-image', c.scenario, c.sets);
      expect(r.status, r.stderr).toBe(0);
      process.stdout.write(`${c.name} (${r.wall_seconds} s):\n${r.stdout}\n`);
      const judged = ['TLB CPU1', 'pswpout', 'data verification, bad pages', ...(c.pgfree ? ['pgfree'] : []), ...(c.extra ?? [])];
      for (const figure of judged) expect(r.figures[figure]?.verdict, `${figure}\n${r.stdout}`).toBe('agree');
      expect(r.figures['TLB CPU1']?.model).toBe(c.tlb);
      expect(r.figures.pswpout?.model).toBe(c.pswpout);
      for (const figure of (c.extra ?? []).filter((f) => f.startsWith('thp_') || f.startsWith('hugepages-'))) expect(r.figures[figure]?.model, figure).toBeGreaterThan(0);
    });
  }

  // The memcg case (issue 13; docs/kernel-check.md "MGLRU on and off"): 24 MiB written once in a
  // 17 MiB cgroup under the classic LRU; every count identical across the guest runs is judged.
  it('memcg limit reclaim, classic LRU, zram: the model agrees with every stable count within 2 %', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await kernel_check(image ?? 'no-kernel-image', 'memcg-write-24m', []);
    expect(r.status, r.stderr).toBe(0);
    process.stdout.write(`memcg classic (${r.wall_seconds} s):\n${r.stdout}\n`);
    const judged = Object.values(r.figures).filter((f) => f.verdict === 'agree' || f.verdict === 'disagree');
    expect(judged.filter((f) => f.verdict === 'disagree').map((f) => f.figure), r.stdout).toEqual([]);
    expect(judged.length).toBeGreaterThanOrEqual(18);
    expect(r.figures.pswpout?.model).toBe(1839);
    expect(r.figures['reclaim calls (mm_vmscan_memcg_reclaim_begin)']?.model).toBe(44);
  });

  // The same write under MGLRU (lru_gen 0x0007): one 64-folio batch per reclaim call.
  it('memcg limit reclaim, MGLRU, zram: the model agrees with every stable count within 2 %', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await kernel_check(image ?? 'no-kernel-image', 'memcg-write-24m', ['reclaim.lru=mglru']);
    expect(r.status, r.stderr).toBe(0);
    process.stdout.write(`memcg MGLRU (${r.wall_seconds} s):\n${r.stdout}\n`);
    const judged = Object.values(r.figures).filter((f) => f.verdict === 'agree' || f.verdict === 'disagree');
    expect(judged.filter((f) => f.verdict === 'disagree').map((f) => f.figure), r.stdout).toEqual([]);
    expect(judged.length).toBe(26);
    expect(r.figures.pswpout?.model).toBe(1856);
    expect(r.figures['MGLRU seq 3: anon pages after the write']?.model).toBe(2486);
  });
});
