/**
 * The kernel's own TP_printk formats (Linux 6.12) for the events a trace writes, so that
 * text traces read like `trace-cmd report` and the kernel's and mmtests' scripts parse them.
 * Each function names its header.
 */
import { TLB_FLUSH_REASONS } from '../hw/tracer.js';

/** arch/x86/include/asm/irq_vectors.h: smp_call_function_many_cond's IPI for TLB shootdowns. */
export const CALL_FUNCTION_VECTOR = 0xfc;

/** x86-64 vmemmap base (no KASLR): struct page of pfn p sits at VMEMMAP_START + 64 p. */
const VMEMMAP_START = 0xffffea0000000000n;
const STRUCT_PAGE_SIZE = 64n;

/** include/trace/events/tlb.h: "pages:%ld reason:%s (%d)". */
export function tlb_flush_fields(reason: number, pages: number): string {
  return `pages:${pages} reason:${TLB_FLUSH_REASONS[reason] ?? 'unknown'} (${reason})`;
}

/**
 * include/trace/events/vmscan.h trace_reclaim_flags(): anonymous folios are always traced
 * RECLAIM_WB_ANON|RECLAIM_WB_ASYNC (RECLAIM_WB_SYNC is "unused, all reclaim async"), also
 * when zram completes the write synchronously.
 */
export function reclaim_flags(): string {
  return 'RECLAIM_WB_ANON|RECLAIM_WB_ASYNC';
}

/** include/trace/events/vmscan.h mm_vmscan_write_folio: "page=%p pfn=0x%lx flags=%s". */
export function write_folio_fields(pfn: number): string {
  const page = VMEMMAP_START + BigInt(pfn) * STRUCT_PAGE_SIZE;
  return `page=0x${page.toString(16)} pfn=0x${pfn.toString(16)} flags=${reclaim_flags()}`;
}

/**
 * blk_fill_rwbs() for swap I/O: reclaim's writeback (WB_SYNC_NONE, no REQ_SYNC) is "W",
 * a swap-in read "R".
 */
export function rwbs(write: boolean): string {
  return write ? 'W' : 'R';
}

/** include/trace/events/block.h block_bio: "%d,%d %s %llu + %u [%s]". */
export function bio_fields(major: number, minor: number, write: boolean, sector: number, nr_sector: number, comm: string): string {
  return `${major},${minor} ${rwbs(write)} ${sector} + ${nr_sector} [${comm}]`;
}

/**
 * include/trace/events/block.h block_rq (block_rq_issue): "%d,%d %s %u (%s) %llu + %u %s,%u,%u [%s]"
 * — rwbs, bytes, cmd (empty), sector, nr_sector, ioprio class,hint,level (swap bios carry none), comm.
 */
export function rq_issue_fields(major: number, minor: number, write: boolean, sector: number, nr_sector: number, comm: string): string {
  return `${major},${minor} ${rwbs(write)} ${nr_sector * 512} () ${sector} + ${nr_sector} none,0,0 [${comm}]`;
}

/** include/trace/events/block.h block_rq_completion (block_rq_complete): "%d,%d %s (%s) %llu + %u %s,%u,%u [%d]" — the last is the error. */
export function rq_complete_fields(major: number, minor: number, write: boolean, sector: number, nr_sector: number): string {
  return `${major},${minor} ${rwbs(write)} () ${sector} + ${nr_sector} none,0,0 [0]`;
}

/** arch/x86/include/asm/trace/irq_vectors.h call_function_entry / _exit: "vector=%d". */
export function vector_fields(): string {
  return `vector=${CALL_FUNCTION_VECTOR}`;
}

/** include/trace/events/irq.h irq_handler_entry: "irq=%d name=%s". */
export function irq_entry_fields(irq: number, name: string): string {
  return `irq=${irq} name=${name}`;
}

/** include/trace/events/irq.h irq_handler_exit: "irq=%d ret=%s". */
export function irq_exit_fields(irq: number): string {
  return `irq=${irq} ret=handled`;
}
