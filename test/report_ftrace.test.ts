/**
 * The ftrace text (--ftrace) read back by a reader written from the kernel's own format
 * strings (Linux 6.12 TP_printk of include/trace/events/tlb.h, vmscan.h, block.h, irq.h and
 * arch/x86/include/asm/trace/irq_vectors.h) and the line regex of the kernel's
 * Documentation/trace/postprocess/trace-vmscan-postprocess.pl: every event line parses, in
 * time order, and the counts agree with the result.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TLB_FLUSH_REASONS } from '../src/hw/tracer.js';
import { record_run } from '../src/report/record_run.js';
import type { RunResult } from '../src/run/result.js';
import { load_scenario } from '../src/scenario/load.js';

/** TP_printk format strings, copied from the 6.12 headers. */
const FORMATS: Record<string, string> = {
  tlb_flush: 'pages:%ld reason:%s (%d)',
  mm_vmscan_write_folio: 'page=%p pfn=0x%lx flags=%s',
  mm_vmscan_kswapd_sleep: 'nid=%d',
  mm_vmscan_kswapd_wake: 'nid=%d order=%d',
  mm_vmscan_wakeup_kswapd: 'nid=%d order=%d gfp_flags=%s',
  mm_vmscan_direct_reclaim_begin: 'order=%d gfp_flags=%s',
  mm_vmscan_direct_reclaim_end: 'nr_reclaimed=%lu',
  mm_vmscan_memcg_reclaim_begin: 'order=%d gfp_flags=%s',
  mm_vmscan_memcg_reclaim_end: 'nr_reclaimed=%lu',
  mm_vmscan_lru_isolate: 'classzone=%d order=%d nr_requested=%lu nr_scanned=%lu nr_skipped=%lu nr_taken=%lu lru=%s',
  mm_vmscan_lru_shrink_inactive:
    'nid=%d nr_scanned=%ld nr_reclaimed=%ld nr_dirty=%ld nr_writeback=%ld nr_congested=%ld nr_immediate=%ld nr_activate_anon=%d nr_activate_file=%d nr_ref_keep=%ld nr_unmap_fail=%ld priority=%d flags=%s',
  mm_vmscan_lru_shrink_active: 'nid=%d nr_taken=%ld nr_active=%ld nr_deactivated=%ld nr_referenced=%ld priority=%d flags=%s',
  block_bio_queue: '%d,%d %s %llu + %u [%s]',
  block_rq_issue: '%d,%d %s %u (%s) %llu + %u %s,%u,%u [%s]',
  block_rq_complete: '%d,%d %s (%s) %llu + %u %s,%u,%u [%d]',
  call_function_entry: 'vector=%d',
  call_function_exit: 'vector=%d',
  call_function_single_entry: 'vector=%d',
  call_function_single_exit: 'vector=%d',
  irq_handler_entry: 'irq=%d name=%s',
  irq_handler_exit: 'irq=%d ret=%s',
};

/** A printf format as a regex with one group per conversion (%p as libtraceevent prints it: 0x…). */
function format_regex(format: string): RegExp {
  const conversions: Record<string, string> = {
    '%ld': '(-?\\d+)', '%d': '(-?\\d+)', '%u': '(\\d+)', '%lu': '(\\d+)', '%llu': '(\\d+)', '%zu': '(\\d+)',
    '%lx': '([0-9a-f]+)', '%p': '(0x[0-9a-f]+)', '%s': '(.*?)',
  };
  const pattern = format
    .split(/(%(?:ld|lu|llu|lx|zu|d|u|p|s))/)
    .map((part) => conversions[part] ?? part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('');
  return new RegExp(`^${pattern}$`);
}

/** trace-vmscan-postprocess.pl's $regex_traceevent: comm-pid, [cpu], flags, timestamp, event, details. */
const LINE = /^\s*([a-zA-Z0-9<>-]*)-(\d+)\s*(\[[0-9]*\])(\s*[dX.][Nnp.][Hhs.][0-9a-fA-F.]*|)\s*([0-9.]*):\s*([a-zA-Z_]*):\s*(.*)$/;

interface Line {
  comm: string;
  pid: number;
  cpu: number;
  t_us: number;
  event: string;
  fields: string[];
}

function read_ftrace(text: string): Line[] {
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    const m = LINE.exec(raw);
    if (m === null) throw new Error(`not an ftrace line: ${raw}`);
    const event = m[6] as string;
    const format = FORMATS[event];
    let fields: string[] = [m[7] as string];
    if (format !== undefined) {
      const f = format_regex(format).exec(m[7] as string);
      if (f === null) throw new Error(`${event} does not match "${format}": ${m[7]}`);
      fields = f.slice(1);
    } else if (!event.startsWith('sim_')) {
      throw new Error(`unknown event ${event}`);
    }
    const [sec, usec] = (m[5] as string).split('.');
    expect(usec).toHaveLength(6);
    out.push({ comm: m[1] as string, pid: Number(m[2]), cpu: Number((m[3] as string).slice(1, -1)), t_us: Number(sec) * 1e6 + Number(usec), event, fields });
  }
  return out;
}

describe('ftrace text', () => {
  let lines: Line[];
  let text: string;
  let result: RunResult;
  beforeAll(() => {
    const path = join(mkdtempSync(join(tmpdir(), 'reclaimsim-ftrace-')), 'trace.txt');
    result = record_run(load_scenario('dirty-16m'), { trace_text: path }).result;
    text = readFileSync(path, 'utf8');
    lines = read_ftrace(text);
  });

  it('parses line by line with the kernel format strings, in time order', () => {
    expect(text.startsWith('# tracer: nop\n')).toBe(true);
    expect(lines.length).toBeGreaterThan(20_000);
    for (let i = 1; i < lines.length; i++) expect((lines[i] as Line).t_us).toBeGreaterThanOrEqual((lines[i - 1] as Line).t_us);
  });

  it('prints tlb_flush as the kernel does and counts what /proc/interrupts counts', () => {
    const flushes = lines.filter((l) => l.event === 'tlb_flush');
    for (const l of flushes) expect(l.fields[1]).toBe(TLB_FLUSH_REASONS[Number(l.fields[2])]);
    const received = (cpu: number) => flushes.filter((l) => l.cpu === cpu && l.fields[1] === 'remote shootdown').length;
    expect([received(0), received(1)]).toEqual(result.interrupts.TLB);
    expect(flushes.find((l) => l.fields[1] === 'remote shootdown')?.comm).toBe('app');
  });

  it('writes one mm_vmscan_write_folio per page swapped out, with the kernel flags and page address', () => {
    const writes = lines.filter((l) => l.event === 'mm_vmscan_write_folio');
    expect(writes).toHaveLength(result.vmstat.pswpout as number);
    for (const w of writes) {
      expect(w.fields[2]).toBe('RECLAIM_WB_ANON|RECLAIM_WB_ASYNC');
      expect(BigInt(w.fields[0] as string)).toBe(0xffffea0000000000n + BigInt(`0x${w.fields[1] as string}`) * 64n);
    }
  });

  it('writes block events blktrace-style whose sectors add up, and pairs every handler entry with its exit', () => {
    const sectors = (event: string, at: number) => lines.filter((l) => l.event === event).reduce((a, l) => a + Number(l.fields[at]), 0);
    expect(sectors('block_bio_queue', 4)).toBe((result.vmstat.pswpout as number) * 8);
    expect(sectors('block_rq_issue', 6)).toBe(sectors('block_bio_queue', 4));
    expect(sectors('block_rq_complete', 5)).toBe(sectors('block_bio_queue', 4));
    expect(lines.filter((l) => l.event === 'block_rq_issue')).toHaveLength(result.io.requests);
    const first = lines.find((l) => l.event === 'block_bio_queue') as Line;
    expect(first.fields.slice(0, 3)).toEqual(['259', '0', 'W']);
    expect(first.fields[5]).toBe('madvise');
    for (const [entry, exit] of [['call_function_entry', 'call_function_exit'], ['call_function_single_entry', 'call_function_single_exit'], ['irq_handler_entry', 'irq_handler_exit']]) {
      expect(lines.filter((l) => l.event === entry).length).toBe(lines.filter((l) => l.event === exit).length);
    }
    // Two CPUs: every shootdown interrupts the one other CPU, by smp_call_function_single's vector.
    const single = lines.filter((l) => l.event === 'call_function_single_entry' && l.cpu === 1);
    expect(single).toHaveLength(result.interrupts.CAL?.[1] as number);
    expect(single[0]?.fields).toEqual(['251']);
    expect(lines.filter((l) => l.event === 'call_function_entry')).toHaveLength(0);
  });
});

describe('function-call interrupts in ftrace', () => {
  // stress-memcg: each reclaimer unmaps one other worker's page, so each flush interrupts one
  // CPU; dirty-16m on 4 CPUs: three application threads share the mm, so flushes go to several.
  for (const [name, sets, vector] of [['stress-memcg', [], 'single'], ['dirty-16m', ['machine.cpus=4', 'workload.threads=3'], 'multi']] as const) {
    it(`${name}: one handler entry per CAL interrupt on every CPU, by the vector smp_call_function_many_cond picks`, () => {
      const path = join(mkdtempSync(join(tmpdir(), 'reclaimsim-ftrace-')), `${name}.txt`);
      const { result } = record_run(load_scenario(name, [...sets]), { trace_text: path, trace_limits: { events_max: 50_000_000 } });
      const lines = read_ftrace(readFileSync(path, 'utf8'));
      const count = (event: string, cpu: number) => lines.filter((l) => l.event === event && l.cpu === cpu).length;
      const by_vector = { single: 0, multi: 0 };
      result.interrupts.CAL?.forEach((cal, cpu) => {
        by_vector.multi += count('call_function_entry', cpu);
        by_vector.single += count('call_function_single_entry', cpu);
        expect(count('call_function_entry', cpu) + count('call_function_single_entry', cpu), `CPU ${cpu}`).toBe(cal);
        // Calls queued behind a pending one run in its interrupt: TLB counts them, CAL does not.
        expect(lines.filter((l) => l.event === 'tlb_flush' && l.cpu === cpu && l.fields[1] === 'remote shootdown')).toHaveLength(result.interrupts.TLB?.[cpu] as number);
      });
      expect(by_vector[vector]).toBeGreaterThan(0);
      for (const l of lines.filter((x) => x.event.startsWith('call_function'))) expect(l.fields).toEqual([l.event.startsWith('call_function_single') ? '251' : '252']);
    }, 120_000);
  }
});
