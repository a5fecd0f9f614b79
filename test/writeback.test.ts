/**
 * The flusher and dirty throttling (issue 12): exact counts derived from 6.12's
 * mm/page-writeback.c, fs/fs-writeback.c and mm/rmap.c for small cases, the oracle on the
 * flusher's path (a folio_mkclean that skips its flush), the window 6.12 leaves between
 * reclaim's A17.1 and its deferred flush, and bad writeback input.
 */
import { describe, expect, it } from 'vitest';
import { run_builtin, run_yaml, scenario_refusal } from './helpers.js';
import { PTE_RW, type MmStruct } from '../src/mm/mm_struct.js';

const PAGES = 256; // 1 MiB

/** One writer of a 1 MiB MAP_SHARED file on a RAM disk, 64 MiB machine (no reclaim), for 25 ms. */
function kupdate(): string {
  return (
    'name: kupdate\nmachine: { cpus: 2, memory: 64MiB }\nworkload: { kind: stress }\n' +
    'stress: { workers: 1, bytes: 1MiB, duration: 25ms, backing: file, mapping: shared }\nfile: { device: ram }\n' +
    'writeback: { dirty_expire_centisecs: 0, dirty_writeback_centisecs: 1 }\n'
  );
}

function codes(r: { oracle: { violations: { code: string; count: number }[] } }): Record<string, number> {
  return Object.fromEntries(r.oracle.violations.map((v) => [v.code, v.count]));
}

describe('the kupdate flush (wb_check_old_data_flush)', () => {
  it('writes every expired dirty folio each period, write-protecting its PTE with one flush each', () => {
    const r = run_yaml(kupdate());
    // The first write of each page dirties its folio and arms the periodic wakeup (10 ms); the
    // worker rewrites the whole 1 MiB in well under 10 ms, so at 10 ms and at 20 ms all 256
    // folios are dirty and expired (expire 0): two kupdate flushes of 256 folios each (the 30 ms
    // one falls after the run). Each folio_mkclean finds its PTE dirty and writable:
    // ptep_clear_flush sends one shootdown to the worker's CPU (the kworker's CPU is not in
    // the mm's cpumask); the worker's next write to the page takes wp_page_shared, which
    // dirties the folio again.
    expect(r.vmstat.nr_written).toBe(2 * PAGES);
    expect(r.vmstat.sim_flusher_written).toBe(2 * PAGES);
    expect(r.interrupts.TLB).toEqual([2 * PAGES, 0]);
    expect(r.vmstat.nr_tlb_remote_flush).toBe(2 * PAGES);
    // 256 first-touch faults, then a write-protect fault per page after each flush.
    expect(r.vmstat.pgfault).toBe(3 * PAGES);
    expect(r.vmstat.nr_dirtied).toBe(3 * PAGES);
    // Redirtied since the 20 ms flush: all of them, none under writeback (a RAM disk).
    expect(r.vmstat.nr_dirty).toBe(PAGES);
    expect(r.vmstat.nr_writeback).toBe(0);
    expect(r.vmstat.pgpgout).toBe(2 * PAGES * 4);
    // Defaults on 64 MiB: the background threshold (~1600 pages) is never reached, nothing throttles.
    expect(r.vmstat.sim_dirty_throttled_ns).toBe(0);
    expect(r.oracle.verdict).toBe('correct');
  });

  it('on NVMe: one write bio per folio the flusher writes, besides the readahead reads', () => {
    const r = run_yaml(kupdate().replace('device: ram', 'device: nvme'));
    expect(r.vmstat.nr_written).toBe(2 * PAGES);
    // block_write_full_folio: a bio per folio; the reads: a bio per page of each window.
    expect(r.file_io?.bios).toBe(PAGES + 2 * PAGES);
    expect(r.interrupts.TLB).toEqual([2 * PAGES, 0]);
    expect(r.oracle.verdict).toBe('correct');
  });

  it('does nothing in a run shorter than the period: the timer does not keep the run alive', () => {
    const r = run_yaml(kupdate().replace('dirty_writeback_centisecs: 1', 'dirty_writeback_centisecs: 3'));
    expect(r.sim_time_ns).toBe(25_000_000);
    expect(r.vmstat.nr_written).toBe(0);
    expect(r.vmstat.sim_flusher_written).toBeUndefined();
  });

  it('is caught by the oracle when folio_mkclean skips its flush; the unbroken model is clean', () => {
    const broken = run_yaml(kupdate(), { mutants: ['mkclean_skips_flush'] });
    // The worker's CPU keeps its dirty writable translation of every page the flusher writes.
    expect(codes(broken).FLUSHER_IO_BEFORE_FLUSH).toBeGreaterThan(0);
    // Its later writes set no dirty bit anywhere: every page ends clean in the page cache with
    // data its disk copy lacks, a write reclaim would drop (the final read-back).
    expect(codes(broken).LOST_WRITE).toBe(PAGES);
    expect(broken.interrupts.TLB).toEqual([0, 0]);
    expect(run_yaml(kupdate()).oracle.violations).toEqual([]);
  });
});

describe('a flusher that cleans a folio without folio_mkclean', () => {
  it("is caught: the PTE stays writable and dirty over a clean folio (DIRTY_ACCOUNTING), though no data is lost", () => {
    const broken = run_yaml(kupdate(), { mutants: ['flusher_skips_mkclean'] });
    // No shootdown, no write-protect fault: the dirty PTE keeps the data reachable (reclaim
    // would move its dirty bit to the folio), but no flusher, fsync or throttling sees it.
    expect(broken.interrupts.TLB).toEqual([0, 0]);
    expect(codes(broken)).toEqual({ DIRTY_ACCOUNTING: PAGES });
  });
});

describe('background writeback and balance_dirty_pages', () => {
  const yaml = (limits: string) =>
    'name: bdp\nmachine: { cpus: 2, memory: 64MiB }\nworkload: { kind: stress }\n' +
    'stress: { workers: 1, bytes: 1MiB, passes: 1, backing: file, mapping: shared }\nfile: { device: nvme }\n' +
    `writeback: { ${limits} }\n`;

  it('throttles a writer past dirty_bytes until writeback brings it down, the flusher writing in the background', () => {
    const r = run_yaml(yaml('dirty_background_bytes: 4KiB, dirty_bytes: 8KiB'));
    // domain_dirty_limits: 8 KiB and 4 KiB are 2 and 1 pages.
    expect(r.vmstat.nr_dirty_threshold).toBe(2);
    expect(r.vmstat.nr_dirty_background_threshold).toBe(1);
    expect(r.vmstat.sim_dirty_throttled_ns).toBeGreaterThan(0);
    // Background writeback runs while more than one page is dirty (it leaves at most the
    // background threshold's one); every page dirtied is written or still dirty. A page whose write fault slept in
    // balance_dirty_pages was cleaned (folio_mkclean) meanwhile: the retried write faults
    // again (wp_page_shared) and dirties it anew, so some pages are written twice.
    expect(r.vmstat.nr_written).toBe(r.vmstat.sim_flusher_written);
    expect(r.vmstat.nr_written).toBeGreaterThan(PAGES);
    expect(r.vmstat.nr_written).toBeLessThanOrEqual(2 * PAGES);
    expect(r.vmstat.nr_dirty).toBeLessThanOrEqual(1);
    expect((r.vmstat.nr_written ?? 0) + (r.vmstat.nr_dirty ?? 0)).toBe(r.vmstat.nr_dirtied);
    expect(r.oracle.verdict).toBe('correct');
  });

  it('lets the writer run free below the limits: no throttling, no flusher', () => {
    const r = run_yaml(yaml('dirty_background_bytes: 2MiB, dirty_bytes: 4MiB'));
    expect(r.vmstat.nr_written).toBe(0);
    expect(r.vmstat.nr_dirty).toBe(PAGES);
    expect(r.vmstat.sim_dirty_throttled_ns).toBeUndefined();
  });

  it('with the default limits cleans file-ramdisk-kswapd before kswapd meets a dirty folio', () => {
    const r = run_builtin('file-ramdisk-kswapd', ['writeback.dirty_bytes=0', 'writeback.dirty_background_bytes=0']);
    expect(r.vmstat.nr_vmscan_write).toBe(0);
    expect(r.vmstat.nr_written).toBe(r.vmstat.sim_flusher_written);
    expect(r.vmstat.nr_written).toBeGreaterThan(12288);
    expect(r.oracle.verdict).toBe('correct');
  });
});

describe("6.12's window between A17.1 and reclaim's deferred flush", () => {
  const sets = ['pageout.backing=file', 'pageout.mapping=shared', 'workload.baseline=10ms', 'writeback.dirty_expire_centisecs=0', 'writeback.dirty_writeback_centisecs=1'];

  it('lets the flusher start I/O while another CPU may still write through the translation reclaim cleared', () => {
    // MADV_PAGEOUT of 16 MiB of dirty MAP_SHARED file, a thread of the process spinning on the
    // other CPU, and the kupdate flush starting at 10 ms, as the pageout does. Per PMD,
    // shrink_folio_list clears each PTE with the flush deferred (B5), activates the dirty
    // folio (A17.1: not kswapd) and unlocks it; the flush comes at the end of the 512 folios
    // (A34). The flusher, walking the file in index order, locks such a folio, finds no PTE
    // to write-protect (folio_mkclean) and starts its write. Every strategy alike: the window
    // is the kernel's.
    for (const strategy of ['upstream', 'batched']) {
      const r = run_builtin('dirty-16m', sets, { strategy });
      expect(Object.keys(codes(r))).toEqual(['FLUSHER_IO_BEFORE_FLUSH']);
      expect(r.vmstat.sim_flusher_written).toBe(4096);
    }
  });

  it('needs another CPU running the mm: without the spinning thread there is none', () => {
    expect(run_builtin('dirty-16m', [...sets, 'workload.threads=0']).oracle.violations).toEqual([]);
  });
});

describe('bad writeback input', () => {
  const base = 'name: f\nmachine: { cpus: 2, memory: 64MiB }\nworkload: { kind: stress }\nstress: { workers: 1, bytes: 1MiB, backing: file, mapping: shared }\n';
  const error = (text: string): string => scenario_refusal(text);

  it('refuses a ratio out of 0..100, naming file:line:col and the field', () => {
    expect(error(base + 'writeback:\n  dirty_ratio: 101\n')).toMatch(/^bad\.yaml:6:16 writeback\.dirty_ratio: .*<=100 \(got 101\)/);
  });

  it('refuses an unknown writeback field', () => {
    expect(error(base + 'writeback:\n  dirty_centisecs: 5\n')).toMatch(/^bad\.yaml:6:3 writeback: unknown field\(s\) dirty_centisecs \(fields: dirty_background_ratio, dirty_ratio, .*dirty_writeback_centisecs\)/);
  });

  it('refuses writeback fields without files', () => {
    const anon = 'name: f\nmachine: { cpus: 2, memory: 64MiB }\nworkload: { kind: stress }\nstress: { workers: 1, bytes: 1MiB }\nwriteback: { dirty_ratio: 30 }\n';
    expect(error(anon)).toMatch(/^bad\.yaml:5:\d+ writeback: needs stress\.backing: file or mixed/);
  });
});

describe('read() and write() through the page cache (stress.io: syscall)', () => {
  const yaml = (extra: string, device = 'ram') =>
    `name: rw\nmachine: { cpus: 2, memory: 64MiB }\nworkload: { kind: stress }\n` +
    `stress: { workers: 1, bytes: 1MiB, passes: 2, backing: file, io: syscall${extra} }\nfile: { device: ${device} }\n`;

  it('write(): each page a new page-cache folio dirtied once, no fault, no flush', () => {
    const r = run_yaml(yaml(''));
    // generic_perform_write: the first pass creates and dirties 256 folios (a whole-page write
    // reads nothing); the second finds them dirty (folio_mark_dirty counts nothing new).
    expect(r.vmstat.nr_file_pages).toBe(PAGES);
    expect(r.vmstat.nr_dirtied).toBe(PAGES);
    expect(r.vmstat.nr_dirty).toBe(PAGES);
    expect(r.vmstat.pgpgin).toBe(0);
    expect(r.vmstat.pgfault).toBe(0);
    expect(r.vmstat.nr_written).toBe(0);
    expect(r.interrupts.TLB).toEqual([0, 0]);
    expect(r.oracle.verdict).toBe('correct');
  });

  it('read(): a miss reads a 32-page window from it, one request each; no fault', () => {
    const r = run_yaml(yaml(', access: read', 'nvme'));
    expect(r.file_io).toEqual({ requests: PAGES / 32, bios: PAGES, pages_per_request_max: 32 });
    expect(r.vmstat.pgpgin).toBe(PAGES * 4);
    expect(r.vmstat.pgmajfault).toBe(0);
    expect(r.vmstat.pgfault).toBe(0);
    expect(r.oracle.verdict).toBe('correct');
  });

  it('write()s 48 MiB on 32 MiB: throttled, cleaned by the flusher, reclaimed without a shootdown; upstream and batched clean', () => {
    const text =
      'name: rwp\nmachine: { cpus: 3, memory: 32MiB }\nworkload: { kind: stress }\n' +
      'stress: { workers: 2, bytes: 24MiB, passes: 2, backing: file, io: syscall }\nfile: { device: nvme }\n';
    for (const strategy of ['upstream', 'batched']) {
      const r = run_yaml(text, { strategy });
      expect(r.vmstat.pgsteal_file).toBeGreaterThan(0);
      expect(r.vmstat.sim_dirty_throttled_ns).toBeGreaterThan(0);
      // Only kswapd writes file folios, and the flusher got there first.
      expect(r.vmstat.nr_vmscan_write).toBe(0);
      expect(r.vmstat.nr_written).toBe(r.vmstat.sim_flusher_written);
      expect(r.interrupts.TLB).toEqual([0, 0, 0]);
      expect(r.oracle.violations).toEqual([]);
    }
  });

  it('refuses a mapping with io: syscall, and reads and writes past the file end', () => {
    const bad = (text: string): string => scenario_refusal(text);
    expect(bad(yaml(', mapping: shared'))).toMatch(/stress\.mapping: maps nothing with stress\.io: syscall \(allowed: none\)/);
    const past = 'name: rw\nmachine: { cpus: 2, memory: 64MiB }\nworkload: { kind: stress }\nstress: { workers: 1, bytes: 1MiB, backing: file, io: syscall }\nfile: { size: 512KiB }\n';
    expect(bad(past)).toMatch(/^bad\.yaml:\d+:\d+ stress\.bytes: the reads and writes run past the file's end: at most file\.size \(512KiB\)/);
  });
});

describe('write-notify on shared file mappings', () => {
  it('maps a page a read faulted in read-only, so that the first write faults and dirties the folio', () => {
    const text = (access: string) =>
      'name: wn\nmachine: { cpus: 2, memory: 64MiB }\nworkload: { kind: stress }\n' +
      `stress: { workers: 1, bytes: 1MiB, passes: 1, backing: file, mapping: shared, access: ${access} }\nfile: { device: ram }\n`;
    let writable = -1;
    const read = run_yaml(text('read'), {
      inspect: (k) => {
        const mm = k.pgdat.mms[0] as MmStruct;
        writable = 0;
        for (const vma of mm.vmas) for (let vpn = vma.start_vpn; vpn < vma.end_vpn; vpn++) if (((mm.pte[vpn] as number) & PTE_RW) !== 0) writable++;
      },
    });
    // do_read_fault with vma_wants_writenotify: every page mapped, none writable, none dirtied.
    expect(writable).toBe(0);
    expect(read.vmstat.nr_dirtied).toBe(0);
    // do_shared_fault: a write fault maps the page writable and dirty and dirties the folio.
    const write = run_yaml(text('write'));
    expect(write.vmstat.nr_dirtied).toBe(PAGES);
    expect(write.vmstat.pgfault).toBe(PAGES);
  });
});
