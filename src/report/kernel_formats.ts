/**
 * The kernel's own TP_printk formats (Linux 6.12) for the events a trace writes, so that
 * text traces read like `trace-cmd report` and the kernel's and mmtests' scripts parse them.
 * Each function names its header.
 */
import {
  GFP_MEMCG_RECLAIM,
  TLB_FLUSH_REASONS,
  VMSCAN_DIRECT_RECLAIM_BEGIN,
  VMSCAN_DIRECT_RECLAIM_END,
  VMSCAN_KSWAPD_SLEEP,
  VMSCAN_KSWAPD_WAKE,
  VMSCAN_LRU_ISOLATE,
  VMSCAN_LRU_SHRINK_ACTIVE,
  VMSCAN_LRU_SHRINK_INACTIVE,
  VMSCAN_MEMCG_RECLAIM_BEGIN,
  VMSCAN_MEMCG_RECLAIM_END,
  VMSCAN_WAKEUP_KSWAPD,
} from '../hw/tracer.js';

/** arch/x86/include/asm/irq_vectors.h: the function-call IPI to several CPUs (smp_call_function_many_cond's mask IPI). */
export const CALL_FUNCTION_VECTOR = 0xfc;
/** arch/x86/include/asm/irq_vectors.h: the function-call IPI to one CPU (send_call_function_single_ipi). */
export const CALL_FUNCTION_SINGLE_VECTOR = 0xfb;

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
export function reclaim_flags(file = 0): string {
  return file === 1 ? 'RECLAIM_WB_FILE|RECLAIM_WB_ASYNC' : 'RECLAIM_WB_ANON|RECLAIM_WB_ASYNC';
}

/**
 * show_gfp_flags (include/trace/events/mmflags.h) of the model's two masks: composite names
 * first, then the bits left over.
 */
export function gfp_flags(code: number): string {
  return code === GFP_MEMCG_RECLAIM ? 'GFP_HIGHUSER_MOVABLE' : 'GFP_HIGHUSER_MOVABLE|__GFP_ZERO';
}

/** LRU_NAMES (include/trace/events/mmflags.h), by enum lru_list. */
const LRU_NAMES = ['inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable'];

/** A vmscan tracepoint: its name and its TP_printk text (include/trace/events/vmscan.h, 6.12). */
export function vmscan_event(event: number, args: readonly number[]): { name: string; fields: string } {
  const v = (i: number) => args[i] ?? 0;
  switch (event) {
    case VMSCAN_KSWAPD_SLEEP:
      return { name: 'mm_vmscan_kswapd_sleep', fields: `nid=${v(0)}` };
    case VMSCAN_KSWAPD_WAKE:
      // "nid=%d order=%d": zid is recorded, not printed.
      return { name: 'mm_vmscan_kswapd_wake', fields: `nid=${v(0)} order=${v(2)}` };
    case VMSCAN_WAKEUP_KSWAPD:
      return { name: 'mm_vmscan_wakeup_kswapd', fields: `nid=${v(0)} order=${v(2)} gfp_flags=${gfp_flags(v(3))}` };
    case VMSCAN_DIRECT_RECLAIM_BEGIN:
    case VMSCAN_MEMCG_RECLAIM_BEGIN:
      // mm_vmscan_direct_reclaim_begin_template: "order=%d gfp_flags=%s".
      return {
        name: event === VMSCAN_DIRECT_RECLAIM_BEGIN ? 'mm_vmscan_direct_reclaim_begin' : 'mm_vmscan_memcg_reclaim_begin',
        fields: `order=${v(0)} gfp_flags=${gfp_flags(v(1))}`,
      };
    case VMSCAN_DIRECT_RECLAIM_END:
    case VMSCAN_MEMCG_RECLAIM_END:
      // mm_vmscan_direct_reclaim_end_template: "nr_reclaimed=%lu".
      return { name: event === VMSCAN_DIRECT_RECLAIM_END ? 'mm_vmscan_direct_reclaim_end' : 'mm_vmscan_memcg_reclaim_end', fields: `nr_reclaimed=${v(0)}` };
    case VMSCAN_LRU_ISOLATE:
      return {
        name: 'mm_vmscan_lru_isolate',
        fields: `classzone=${v(0)} order=${v(1)} nr_requested=${v(2)} nr_scanned=${v(3)} nr_skipped=${v(4)} nr_taken=${v(5)} lru=${LRU_NAMES[v(6)] ?? v(6)}`,
      };
    case VMSCAN_LRU_SHRINK_INACTIVE:
      return {
        name: 'mm_vmscan_lru_shrink_inactive',
        fields: `nid=${v(0)} nr_scanned=${v(1)} nr_reclaimed=${v(2)} nr_dirty=${v(3)} nr_writeback=${v(4)} nr_congested=${v(5)} nr_immediate=${v(6)} ` +
          `nr_activate_anon=${v(7)} nr_activate_file=${v(8)} nr_ref_keep=${v(9)} nr_unmap_fail=${v(10)} priority=${v(11)} flags=${reclaim_flags(v(12))}`,
      };
    case VMSCAN_LRU_SHRINK_ACTIVE:
      return {
        name: 'mm_vmscan_lru_shrink_active',
        fields: `nid=${v(0)} nr_taken=${v(1)} nr_active=${v(2)} nr_deactivated=${v(3)} nr_referenced=${v(4)} priority=${v(5)} flags=${reclaim_flags(v(6))}`,
      };
    default:
      return { name: 'mm_vmscan_unknown', fields: args.join(' ') };
  }
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

/** arch/x86/include/asm/trace/irq_vectors.h call_function(_single)_entry / _exit: "vector=%d". */
export function vector_fields(vector: number): string {
  return `vector=${vector}`;
}

/** include/trace/events/irq.h irq_handler_entry: "irq=%d name=%s". */
export function irq_entry_fields(irq: number, name: string): string {
  return `irq=${irq} name=${name}`;
}

/** include/trace/events/irq.h irq_handler_exit: "irq=%d ret=%s". */
export function irq_exit_fields(irq: number): string {
  return `irq=${irq} ret=handled`;
}
