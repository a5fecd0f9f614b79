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
  block_bio_queue: '%d,%d %s %llu + %u [%s]',
  block_rq_issue: '%d,%d %s %u (%s) %llu + %u %s,%u,%u [%s]',
  block_rq_complete: '%d,%d %s (%s) %llu + %u %s,%u,%u [%d]',
  call_function_entry: 'vector=%d',
  call_function_exit: 'vector=%d',
  irq_handler_entry: 'irq=%d name=%s',
  irq_handler_exit: 'irq=%d ret=%s',
};

/** A printf format as a regex with one group per conversion (%p as libtraceevent prints it: 0x…). */
function format_regex(format: string): RegExp {
  const conversions: Record<string, string> = {
    '%ld': '(-?\\d+)', '%d': '(-?\\d+)', '%u': '(\\d+)', '%llu': '(\\d+)', '%zu': '(\\d+)',
    '%lx': '([0-9a-f]+)', '%p': '(0x[0-9a-f]+)', '%s': '(.*?)',
  };
  const pattern = format
    .split(/(%(?:ld|llu|lx|zu|d|u|p|s))/)
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
    for (const [entry, exit] of [['call_function_entry', 'call_function_exit'], ['irq_handler_entry', 'irq_handler_exit']]) {
      expect(lines.filter((l) => l.event === entry).length).toBe(lines.filter((l) => l.event === exit).length);
    }
    expect(lines.filter((l) => l.event === 'call_function_entry' && l.cpu === 1)).toHaveLength(result.interrupts.TLB?.[1] as number);
  });
});
