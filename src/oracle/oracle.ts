import type { Simulator } from '../engine/simulator.js';
import { table } from '../engine/tables.js';
import { FileData } from './file_data.js';
import { NR_CPUS_MAX } from '../hw/cpumask.js';
import type { Machine, MmContext } from '../hw/machine.js';
import { address_of_index, anon_vma_has } from '../mm/anon_vma.js';
import { NIL, PG_active, PG_locked, PG_mlocked, PG_swapcache, PG_uptodate } from '../mm/folio.js';
import { PTE_DIRTY, PTE_PRESENT, PTE_SWAP, type MmStruct } from '../mm/mm_struct.js';
import type { Kernel } from '../reclaim/kernel.js';
import type { Probe } from '../reclaim/probe.js';
import type { ShrinkContext } from '../reclaim/shrink_context.js';
import { empty_coverage, type OracleCoverage } from './coverage.js';
import { bad_flags_at_free } from './folio_checks.js';
import { LockHoldHistogram } from './lock_hold.js';
import { STORE_NAMES, SwapData } from './swap_data.js';
import { check_final_state } from './final_state.js';
import { SWAP_STORE_DEVICE } from '../block/probe.js';
import { StaleTranslations } from './stale_translations.js';
import { VIOLATION_RULES, type Violation, type ViolationCode } from './violations.js';

/** One shrink_folio_list call: its serial number, its input folios and the pages freed during it. */
interface ShrinkCall {
  serial: number;
  input: number[];
  freed_pages: number;
  /** Folios pageout answered PAGE_ACTIVATE for: they must leave activated (A18, A27). */
  activate: number[];
}

/** Above this many tracked translations, the flushed ones are swept out. */
const STALE_SWEEP_THRESHOLD = 4096;

/**
 * The oracle (DESIGN.md section 5): shadow state beside the model, fed by its probes,
 * checking the rules of kernel-spec section A and B at every step and the state at the end.
 * It reads model state and never writes it.
 */
export class Oracle implements Probe {
  private readonly violations = new Map<ViolationCode, Violation>();
  private readonly last_full_flush_event: Float64Array;
  private event = 0;
  private readonly stale: StaleTranslations;
  /** running_cpu_set's scratch bitmap, the set it answered last, and that set's index. */
  private readonly running_bits = new Uint32Array(NR_CPUS_MAX / 32);
  private readonly last_running_bits = new Uint32Array(NR_CPUS_MAX / 32);
  private last_running_set = -1;
  /**
   * The shrink_folio_list calls in progress — several reclaimers (kswapd, direct and memcg
   * reclaim in different tasks) may be inside one at a time — and, for each folio handed to
   * one, the call it belongs to until it is freed or the call ends.
   */
  private readonly calls = new Map<ShrinkContext, ShrinkCall>();
  /**
   * Per page frame: the serial of the call it was handed to, negated once that call freed it
   * (0: none).
   */
  private readonly call_mark: Int32Array;
  private call_serial = 0;
  /** Per page frame: 1 + the id of the task that took its lock with folio_trylock (0: unknown or unlocked). */
  private readonly lock_owner: Int32Array;
  /** When each folio's current lock was taken (by the task's clock), or -1. */
  private readonly lock_since_ns: Float64Array;
  readonly lock_hold = new LockHoldHistogram();
  /** What the run exercised of the rules checked here (coverage.ts). */
  private readonly covered: OracleCoverage = empty_coverage();
  /** Per page frame: the serial of the shrink_folio_list call during which its writeback began (0: none). */
  private readonly written_in_call: Int32Array;
  /** Per page frame: 1 when a zap discarded its page (accesses through stale translations are then moot). */
  private readonly discarded: Uint8Array;
  /** The oracle event at which each address space's current range operation began. */
  private readonly range_op_event = new Map<number, number>();
  /** Per address space, the old addresses whose PTEs its current mremap moved (their translations must be flushed by its return). */
  private readonly moved_in_op = new Map<number, Set<number>>();
  /** Per parent mm being forked, the child, until the fork's flush of the parent. */
  private readonly forking = new Map<number, MmStruct>();
  /**
   * Data integrity shadow: the version of the data each page frame holds, the versions the
   * swap stores hold (swap_data.ts), and per address space the last version the application
   * wrote to each virtual page. Version 0 is the data a page was populated with.
   */
  private readonly frame_version: Float64Array;
  private readonly swap_data: SwapData;
  private readonly written_version = new Map<number, Float64Array>();
  private readonly file_data: FileData;

  constructor(
    private readonly k: Kernel,
    private readonly sim: Simulator,
    private readonly machine: Machine,
  ) {
    this.last_full_flush_event = new Float64Array(machine.nr_cpus).fill(-1);
    this.frame_version = table(Float64Array, k.pgdat.folios.nr_pages);
    this.stale = new StaleTranslations(k.pgdat.folios.nr_pages, (mm_id) => (k.pgdat.mms[mm_id] as MmStruct).pte.length);
    this.call_mark = table(Int32Array, k.pgdat.folios.nr_pages);
    this.lock_owner = table(Int32Array, k.pgdat.folios.nr_pages);
    this.lock_since_ns = table(Float64Array, k.pgdat.folios.nr_pages).fill(-1);
    this.swap_data = new SwapData(k.pgdat.swap.nr_slots, k.pgdat.folios.nr_pages);
    this.written_in_call = table(Int32Array, k.pgdat.folios.nr_pages);
    this.discarded = table(Uint8Array, k.pgdat.folios.nr_pages);
    this.file_data = new FileData(k, this.frame_version);
  }

  private versions_of(mm: MmStruct): Float64Array {
    let versions = this.written_version.get(mm.id);
    if (versions === undefined) {
      versions = table(Float64Array, mm.pte.length);
      this.written_version.set(mm.id, versions);
    }
    return versions;
  }

  /** Installs the oracle's probes in the model. */
  install(): void {
    this.machine.tlb.probe = this;
    this.k.pgdat.folios.probe = this;
    this.k.swap_io.probe = this;
    if (this.k.file_io !== null) this.k.file_io.probe = this;
    this.k.probe = this;
  }

  /** A finding is dated by the clock of the task running (it runs ahead of events), else by the event's time. */
  report(code: ViolationCode, folio: number, detail: string, sim_time_ns = this.sim.current_task?.now_ns ?? this.sim.now_ns): void {
    const existing = this.violations.get(code);
    if (existing !== undefined) {
      existing.count++;
      return;
    }
    this.violations.set(code, {
      code,
      rule: VIOLATION_RULES[code],
      count: 1,
      first: { folio, sim_time_ns, event_seq: this.sim.events_processed, detail },
    });
  }

  /** What the run exercised so far. */
  coverage(): OracleCoverage {
    return { ...this.covered, batched_pending_flushes: this.k.pgdat.vm.sim_batched_pending_flush };
  }

  /** Violations grouped by code, in a stable order. */
  result(): Violation[] {
    return [...this.violations.values()].sort((a, b) => (a.code < b.code ? -1 : 1));
  }

  // --- TLB ------------------------------------------------------------------------------

  tlb_flush_all(cpu: number): void {
    this.last_full_flush_event[cpu] = ++this.event;
  }

  /** An INVLPG by `cpu`: the page's stale translations lose it as a holder, and go once none holds them. */
  tlb_flush_one(cpu: number, mm_id: number, vpn: number): void {
    this.event++;
    const stale = this.stale;
    stale.for_each_on_page(mm_id, vpn, (pfn) => {
      const cpus = stale.invlpg_cpus.get(pfn);
      if (cpus === undefined) stale.invlpg_cpus.set(pfn, [cpu]);
      else cpus.push(cpu);
      if (!this.has_holder(pfn)) stale.delete(pfn);
    });
  }

  /**
   * Whether `cpu`, recorded for the frame's stale translation, may still use it: not if its
   * last full flush or an INVLPG of the page came after the PTE was cleared, nor while it is
   * lazy — a CPU whose task ended or slept (kernel-spec C2) still caches it but runs no user
   * code, and flushes when it leaves lazy mode, since the deferred unmap moved the mm's
   * generation.
   */
  private holds(pfn: number, cpu: number, invlpg_cpus: readonly number[] | undefined): boolean {
    return (
      (this.last_full_flush_event[cpu] as number) < (this.stale.event[pfn] as number) &&
      !(invlpg_cpus?.includes(cpu) ?? false) &&
      this.machine.is_lazy[cpu] === 0
    );
  }

  private has_holder(pfn: number): boolean {
    const invlpg_cpus = this.stale.invlpg_cpus.get(pfn);
    for (const cpu of this.recorded_cpus(pfn)) if (this.holds(pfn, cpu, invlpg_cpus)) return true;
    return false;
  }

  /** The CPUs that may still use the frame's stale translation (for a finding's detail). */
  private holders(pfn: number): number[] {
    const invlpg_cpus = this.stale.invlpg_cpus.get(pfn);
    return this.recorded_cpus(pfn).filter((cpu) => this.holds(pfn, cpu, invlpg_cpus));
  }

  private recorded_cpus(pfn: number): readonly number[] {
    return this.stale.cpu_sets[this.stale.cpu_set[pfn] as number] as readonly number[];
  }

  // --- reclaim ----------------------------------------------------------------------------

  /** The write starting now is the flusher's (flusher_write came just before its writepage). */
  private flusher_writing = false;

  pte_cleared(mm: MmStruct, vpn: number, pfn: number, pteval: number, deferred: boolean, _cpu: number): void {
    if ((pteval & PTE_PRESENT) === 0) return;
    if (deferred) this.covered.deferred_unmaps++;
    // The record keeps one translation per frame: of a folio fork shared, unmapped from each
    // process in turn, it keeps the first process's while some CPU may still hold it (the
    // second's goes unchecked: the oracle may miss a stale translation there, never invent one).
    if (this.stale.has(pfn) && this.stale.mm_id[pfn] !== mm.id && this.has_holder(pfn)) return;
    this.stale.set(pfn, mm.id, vpn, (pteval & PTE_DIRTY) !== 0, this.running_cpu_set(mm.context), ++this.event);
    if (this.stale.size > STALE_SWEEP_THRESHOLD) this.stale.sweep((stale_pfn) => this.has_holder(stale_pfn));
  }

  /**
   * The set of CPUs that may hold a translation of the mm (the architecture's may_hold), as
   * an index into the stale translations' sets.
   * Consecutive PTE clears almost always see the same set, so it is built as a bitmap and
   * the last set is shared while the bitmap repeats (a string key per PTE cost a tenth of a
   * 64-CPU run).
   */
  private running_cpu_set(mm: MmContext): number {
    const bits = this.running_bits;
    this.machine.arch.may_hold_mask(mm, bits);
    const last = this.last_running_bits;
    let same = this.last_running_set >= 0;
    for (let i = 0; i < bits.length; i++) if (bits[i] !== last[i]) same = false;
    if (same) return this.last_running_set;
    last.set(bits);
    this.last_running_set = this.stale.cpu_set_index(bits, this.machine.nr_cpus);
    return this.last_running_set;
  }

  // --- data -----------------------------------------------------------------------------

  folio_locked(pfn: number): void {
    const task = this.sim.current_task;
    this.lock_owner[pfn] = (task?.id ?? -1) + 1;
    this.lock_since_ns[pfn] = task?.now_ns ?? -1;
  }

  folio_unlocked(pfn: number): void {
    this.lock_owner[pfn] = 0;
    const since = this.lock_since_ns[pfn] as number;
    const task = this.sim.current_task;
    if (since >= 0 && task !== null) this.lock_hold.record(task.now_ns - since);
    this.lock_since_ns[pfn] = -1;
  }

  folio_allocated(pfn: number): void {
    // clear_page for a new anonymous page; a swap-in overwrites it in swap_read.
    this.frame_version[pfn] = 0;
    this.discarded[pfn] = 0;
  }

  /** The page's data is gone: it reads as zero from now on, and its old frame's contents no longer matter. */
  page_discarded(mm: MmStruct, vpn: number, pfn: number): void {
    this.versions_of(mm)[vpn] = 0;
    if (pfn !== NIL) this.discarded[pfn] = 1;
  }

  range_op_begin(mm: MmStruct): void {
    this.range_op_event.set(mm.id, ++this.event);
    this.moved_in_op.delete(mm.id);
  }

  /**
   * The data moves with the PTE; the old address reads as zero (a hole, or a new mapping).
   * A CPU may cache the old translation of a present page until the move's flush: it is
   * tracked as a stale translation, which the operation's end checks.
   */
  pte_moved(mm: MmStruct, old_vpn: number, new_vpn: number, val: number, pteval: number, cpu: number): void {
    this.covered.ptes_moved++;
    const versions = this.versions_of(mm);
    versions[new_vpn] = versions[old_vpn] as number;
    versions[old_vpn] = 0;
    if ((pteval & PTE_PRESENT) === 0) return;
    this.pte_cleared(mm, old_vpn, val, pteval, false, cpu);
    let moved = this.moved_in_op.get(mm.id);
    if (moved === undefined) this.moved_in_op.set(mm.id, (moved = new Set()));
    moved.add(old_vpn);
  }

  /**
   * The child sees, per page, what the parent's page held when its PTE was copied; its writes
   * are its own. Until the fork's flush of the parent, a parent CPU may still write through a
   * writable translation of a page already shared: such a write is concurrent with the fork,
   * and the child sees it too.
   */
  mm_forked(parent: MmStruct, child: MmStruct): void {
    this.covered.racing_ops++;
    this.written_version.set(child.id, table(Float64Array, child.pte.length));
    this.forking.set(parent.id, child);
  }

  /**
   * Whether the child's page at `vpn` is frame `pfn`: mapped by its PTE, or swapped out by a
   * swap PTE whose slot's swap-cache folio it is (a parent CPU may write through a translation
   * reclaim cleared before the fork, until the fork's flush).
   */
  private child_shares(child: MmStruct, vpn: number, pfn: number): boolean {
    const pte = child.pte[vpn] as number;
    const val = child.pte_val[vpn] as number;
    if ((pte & PTE_PRESENT) !== 0) return val === pfn;
    return (pte & PTE_SWAP) !== 0 && this.k.pgdat.swap.swap_cache[val] === pfn;
  }

  pte_copied(parent: MmStruct, child: MmStruct, vpn: number): void {
    this.covered.ptes_shared_by_fork++;
    this.versions_of(child)[vpn] = this.versions_of(parent)[vpn] as number;
  }

  fork_done(parent: MmStruct): void {
    this.forking.delete(parent.id);
  }

  folio_copied(from: number, to: number): void {
    this.covered.cow_copies++;
    this.frame_version[to] = this.frame_version[from] as number;
  }

  /**
   * B12: when munmap, MADV_DONTNEED or mprotect returns, no CPU may still hold a translation
   * of its range that reclaim cleared (deferred) before it began: flush_tlb_batched_pending
   * exists to remove them.
   */
  range_op_end(mm: MmStruct, start_vpn: number, end_vpn: number, op: string): void {
    this.covered.racing_ops++;
    const began = this.range_op_event.get(mm.id) ?? 0;
    const moved = this.moved_in_op.get(mm.id);
    const stale = this.stale;
    for (let vpn = start_vpn; vpn < end_vpn; vpn++) {
      const moved_here = moved?.has(vpn) ?? false;
      stale.for_each_on_page(mm.id, vpn, (pfn) => {
        const by_reclaim = (stale.event[pfn] as number) < began;
        if ((!by_reclaim && !moved_here) || !this.has_holder(pfn)) return;
        const by = by_reclaim ? 'unmapped by reclaim before it began' : 'its PTE moved by it';
        this.report('STALE_TLB_AFTER_UNMAP', pfn, `${op} of vpn ${start_vpn}..${end_vpn - 1} returned while CPU(s) ${this.holders(pfn).join(',')} may still translate vpn ${vpn}, ${by}`);
      });
    }
    this.moved_in_op.delete(mm.id);
  }

  swap_write_begin(_pfn: number, slot: number): void {
    this.swap_data.write_begin(slot);
  }

  swap_stored(_pfn: number, slot: number, store: number): void {
    this.swap_data.stored(slot, store);
  }

  /** A swap-in reads what the store holds for the slot; a store that holds nothing lost the page. */
  swap_read(pfn: number, slot: number, store: number): void {
    this.covered.swapins++;
    if (store === SWAP_STORE_DEVICE && this.k.swap_io.device !== null) this.covered.swapins_in_flight++;
    const version = this.swap_data.version(slot, store);
    if (version === null) {
      this.report('SWAP_DATA_MISSING', pfn, `swap-in of slot ${slot} reads from the ${STORE_NAMES[store]}, where nothing was stored since its swap_writepage`);
    }
    this.swap_data.read_begin(pfn, version ?? -1);
  }

  /** The data lands in the frame when the read completes, not when it is submitted. */
  swap_read_done(pfn: number): void {
    this.frame_version[pfn] = this.swap_data.read_done(pfn);
  }

  user_access(cpu: number, mm: MmStruct, vpn: number, pfn: number, write: boolean): void {
    const f = this.k.pgdat.folios;
    // An access to a file's page is versioned by file page, whichever mm makes it.
    const file_versions = mm.has_file_vmas ? this.file_data.versions_for(mm, vpn, pfn) : null;
    const versions = file_versions ?? this.versions_of(mm);
    const key = file_versions === null ? vpn : this.file_data.index;
    // The page's folio holds the references (a tail page's own count stays 0).
    const head = f.folio_head(pfn);
    const in_use = f.refcount[head] !== 0;
    // The frame is this page's: its anon_vma lists the mm, and the mm has its index at vpn.
    const anon_vma = f.rmap_mm[pfn] as number;
    const owner_ok = in_use && anon_vma !== NIL && anon_vma_has(this.k.pgdat.mms, anon_vma, mm) && address_of_index(mm, f.rmap_vpn[pfn] as number, vpn);
    const stale = ((mm.pte[vpn] as number) & PTE_PRESENT) === 0 || mm.pte_val[vpn] !== pfn;
    if (stale) {
      this.covered.stale_accesses++;
      if (write) this.covered.lost_write_opportunities++;
      // Through a translation a zap is still removing: the page is being discarded, whatever the access does.
      if (this.discarded[pfn] === 1 && in_use) return;
    }
    if (owner_ok && !f.test(head, PG_uptodate)) {
      this.report('ACCESS_NOT_UPTODATE', pfn, `CPU ${cpu} ${write ? 'wrote' : 'read'} vpn ${vpn} of mm ${mm.id} before its swap-in read completed (PG_uptodate clear)`);
    }
    if (write) {
      if (!owner_ok && (!in_use || f.rmap_mm[pfn] !== NIL)) {
        this.report('WRITE_TO_FREED_PAGE', pfn, `CPU ${cpu} wrote vpn ${vpn} of mm ${mm.id} through a stale translation to a frame now ${!in_use ? 'free' : `owned by vpn ${f.rmap_vpn[pfn]}`}`);
      }
      const version = (versions[key] as number) + 1;
      versions[key] = version;
      this.frame_version[pfn] = version;
      const child = this.forking.size === 0 ? undefined : this.forking.get(mm.id);
      if (child !== undefined && this.child_shares(child, vpn, pfn)) this.versions_of(child)[vpn] = version;
      return;
    }
    if (this.frame_version[pfn] === versions[key]) return;
    if (stale) {
      this.report('STALE_READ', pfn, `CPU ${cpu} read version ${this.frame_version[pfn]} of vpn ${vpn} through a translation reclaim cleared without flushing yet, while version ${versions[key]} was written to the copy faulted in since`);
    } else {
      this.report('LOST_WRITE', pfn, `CPU ${cpu} read version ${this.frame_version[pfn]} of vpn ${vpn}, last written ${versions[key]}`);
    }
  }

  mkclean_pte(): void {
    this.covered.mkclean_ptes++;
  }

  file_written(pfn: number, file: number, index: number): void {
    this.file_data.written_by_syscall(pfn, file, index);
  }

  file_read(pfn: number, file: number, index: number): void {
    const [seen, expected] = this.file_data.read_by_syscall(pfn, file, index);
    if (seen !== expected) this.report('LOST_WRITE', pfn, `read() of page ${index} of file ${file} saw version ${seen}, last written ${expected}`);
  }

  flusher_write(): void {
    this.covered.flusher_writes++;
    this.flusher_writing = true;
  }

  dirty_throttled(): void {
    this.covered.dirty_throttles++;
  }

  lru_gen_evicting(kswapd: boolean, memcg: boolean, nr: number): void {
    if (kswapd) this.covered.lru_gen_kswapd_folios += nr;
    else if (memcg) this.covered.lru_gen_memcg_folios += nr;
    else this.covered.lru_gen_direct_folios += nr;
  }

  clean_entry_written(): void {
    this.covered.writes_after_read_fill++;
  }

  /** The folio's I/O starts: each page's data is captured for its slot; none may still be written through a dirty stale translation. */
  writeback_start(pfn: number): void {
    const f = this.k.pgdat.folios;
    const nr = f.nr(pfn);
    this.written_in_call[pfn] = Math.max(0, this.call_mark[pfn] as number);
    const swapcache = f.test(pfn, PG_swapcache);
    for (let page = pfn; page < pfn + nr; page++) {
      if (swapcache) this.swap_data.capture(f.swap[page] as number, this.frame_version[page] as number);
      if (!this.stale.has(page)) continue;
      this.covered.stale_translations_checked++;
      if (this.stale.dirty[page] === 0 || !this.has_holder(page)) continue;
      const code = this.flusher_writing ? 'FLUSHER_IO_BEFORE_FLUSH' : 'FLUSH_BEFORE_IO';
      this.report(code, page, `CPU(s) ${this.holders(page).join(',')} may still write through a dirty translation of vpn ${this.stale.vpn[page]}`);
    }
    this.flusher_writing = false;
  }

  file_write_begin(pfn: number): void {
    this.file_data.capture(pfn);
    this.writeback_start(pfn);
  }

  file_stored(pfn: number, file: number, index: number): void {
    this.file_data.stored(pfn, file, index);
  }

  file_read_done(pfn: number, file: number, index: number): void {
    this.file_data.read_done(pfn, file, index);
  }

  /** A folio was freed: none of its pages may still be translated by a CPU. */
  folio_freed(pfn: number): void {
    const f = this.k.pgdat.folios;
    const bad = bad_flags_at_free(f.flags[pfn] as number);
    if (bad !== '') this.report('BAD_FLAGS_AT_FREE', pfn, `freed with ${bad}`);
    const serial = this.call_mark[pfn] as number;
    if (serial > 0 && this.written_in_call[pfn] === serial) this.covered.freed_same_pass++;
    this.written_in_call[pfn] = 0;
    const nr = f.nr(pfn);
    for (let page = pfn; page < pfn + nr; page++) {
      this.discarded[page] = 0;
      if (!this.stale.has(page)) continue;
      this.covered.stale_translations_checked++;
      if (this.has_holder(page)) this.report('USE_AFTER_FREE', page, `CPU(s) ${this.holders(page).join(',')} may still translate vpn ${this.stale.vpn[page]} to it`);
      this.stale.delete(page);
    }
    if (serial <= 0) return;
    for (const call of this.calls.values()) {
      if (call.serial !== serial) continue;
      this.call_mark[pfn] = -serial;
      call.freed_pages += nr;
      return;
    }
    this.call_mark[pfn] = 0;
  }

  /** The new folios of a split belong to the shrink_folio_list call their folio did (freed or returned by it). */
  folio_split(pfn: number, nr: number): void {
    const mark = this.call_mark[pfn] as number;
    for (let page = pfn + 1; page < pfn + nr; page++) this.call_mark[page] = mark;
    const call = this.call_of(mark);
    if (call !== undefined) for (let page = pfn + 1; page < pfn + nr; page++) call.input.push(page);
  }

  private call_of(serial: number): ShrinkCall | undefined {
    if (serial <= 0) return undefined;
    for (const call of this.calls.values()) if (call.serial === serial) return call;
    return undefined;
  }

  shrink_begin(ctx: ShrinkContext): void {
    const f = this.k.pgdat.folios;
    const call: ShrinkCall = { serial: ++this.call_serial, input: [], freed_pages: 0, activate: [] };
    for (let pfn = ctx.folio_list.tail; pfn !== NIL; pfn = f.lru_prev[pfn] as number) {
      call.input.push(pfn);
      this.call_mark[pfn] = call.serial;
    }
    this.calls.set(ctx, call);
  }

  pageout_activate(pfn: number): void {
    for (const [ctx, call] of this.calls) if (ctx.rt.task === this.sim.current_task) call.activate.push(pfn);
  }

  shrink_end(ctx: ShrinkContext, nr_reclaimed: number): void {
    const call = this.calls.get(ctx) as ShrinkCall;
    for (const pfn of call.activate) {
      if (!this.k.pgdat.folios.test(pfn, PG_active) && !this.k.pgdat.folios.test(pfn, PG_mlocked)) {
        this.report('ACTIVATION_SKIPPED', pfn, 'pageout answered PAGE_ACTIVATE, the folio left inactive (no PG_active, no PGACTIVATE)', ctx.now_ns);
      }
    }
    this.calls.delete(ctx);
    const serial = call.serial;
    const f = this.k.pgdat.folios;
    const now = ctx.now_ns;
    let activated = 0;
    // The returned folios first: those still marked as this call's.
    for (let pfn = ctx.folio_list.tail; pfn !== NIL; pfn = f.lru_prev[pfn] as number) {
      if (this.call_mark[pfn] !== serial) continue;
      this.call_mark[pfn] = 0;
      // Another task (a fault waiting for the folio) may hold its lock; the call must not.
      if (f.test(pfn, PG_locked) && this.lock_owner[pfn] === ctx.rt.task.id + 1) this.report('RETURNED_LOCKED', pfn, 'returned locked', now);
      // Its isolation reference, its mappings' and the swap cache's; others (a fault waiting
      // for the lock) may hold more.
      const expected = 1 + (f.mapcount[pfn] as number) + (f.test(pfn, PG_swapcache) ? f.nr(pfn) : 0);
      if ((f.refcount[pfn] as number) < expected) this.report('RETURNED_REFCOUNT', pfn, `refcount ${f.refcount[pfn]}, at least ${expected} expected`, now);
      if (f.test(pfn, PG_active)) activated += f.nr(pfn);
    }
    // Then every input folio is either freed by the call (or since reused by another) or leaked.
    for (const pfn of call.input) {
      const mark = this.call_mark[pfn] as number;
      if (mark === -serial) this.call_mark[pfn] = 0;
      if (mark !== serial) continue;
      this.call_mark[pfn] = 0;
      this.report('LEAKED_FOLIO', pfn, `neither freed nor returned (refcount ${f.refcount[pfn]}, flags 0x${(f.flags[pfn] as number).toString(16)})`, now);
    }
    if (nr_reclaimed !== call.freed_pages) {
      this.report('NR_RECLAIMED_MISMATCH', call.input[0] ?? NIL, `nr_reclaimed ${nr_reclaimed}, pages freed ${call.freed_pages}`, now);
    }
    if (activated !== ctx.pgactivate) {
      this.report('PGACTIVATE_MISMATCH', call.input[0] ?? NIL, `PGACTIVATE +${ctx.pgactivate}, folios activated ${activated}`, now);
    }
  }

  // --- end of run ------------------------------------------------------------------------

  /** Checks the state a finished run must be in at `end_ns` (final_state.ts). */
  check_final_state(end_ns: number): void {
    const view = { k: this.k, frame_version: this.frame_version, written_version: this.written_version, swap_data: this.swap_data, file_data: this.file_data };
    check_final_state(view, (code, folio, detail) => this.report(code, folio, detail, end_ns));
  }
}
