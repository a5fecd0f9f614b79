import { VMSCAN_LRU_SHRINK_INACTIVE, VMSCAN_MEMCG_RECLAIM_BEGIN, type Tracer } from '../hw/tracer.js';
import { irq_row, type RunResult } from '../run/result.js';
import { judged_count, type KernelFigure } from './comparison.js';
import type { GuestExperiment } from './experiment.js';
import { guest_phase_named, type GuestReport } from './guest_result.js';

/** The vmscan tracepoints the guest sums up, summed the same way over the model's run. */
export interface VmscanSummary {
  reclaim_calls: number;
  shrink_folio_list_passes: number;
  nr_scanned: number;
  nr_reclaimed: number;
  nr_ref_keep: number;
  by_nr_scanned: Record<string, number>;
  by_priority: Record<string, number>;
}

/**
 * A tracer that counts mm_vmscan_memcg_reclaim_begin and mm_vmscan_lru_shrink_inactive as the
 * guest does from its trace (guest/memcg_write.c); every other event is ignored. The model runs
 * the same with or without it.
 */
export function vmscan_summary_tracer(): { tracer: Tracer; summary: VmscanSummary } {
  const summary: VmscanSummary = { reclaim_calls: 0, shrink_folio_list_passes: 0, nr_scanned: 0, nr_reclaimed: 0, nr_ref_keep: 0, by_nr_scanned: {}, by_priority: {} };
  const bump = (h: Record<string, number>, key: number) => {
    h[String(key)] = (h[String(key)] ?? 0) + 1;
  };
  const ignore = () => undefined;
  const tracer: Tracer = {
    tlb_flush: ignore,
    irq: ignore,
    write_folio: ignore,
    bio_queue: ignore,
    rq_issue: ignore,
    rq_complete: ignore,
    shrink_folio_list: ignore,
    vmscan(_cpu, _t_ns, event, args) {
      if (event === VMSCAN_MEMCG_RECLAIM_BEGIN) summary.reclaim_calls++;
      if (event !== VMSCAN_LRU_SHRINK_INACTIVE) return;
      // nid, nr_scanned, nr_reclaimed, nr_dirty, nr_writeback, nr_congested, nr_immediate, nr_activate[2], nr_ref_keep, nr_unmap_fail, priority, file
      const [, scanned = 0, reclaimed = 0, , , , , , , ref_keep = 0, , priority = 0] = args;
      summary.shrink_folio_list_passes++;
      summary.nr_scanned += scanned;
      summary.nr_reclaimed += reclaimed;
      summary.nr_ref_keep += ref_keep;
      bump(summary.by_nr_scanned, scanned);
      bump(summary.by_priority, priority);
    },
  };
  return { tracer, summary };
}

/** A histogram as "value×events" by value: "1×44 2×43 … 32×135". */
export function histogram_text(h: Record<string, number>): string {
  return Object.entries(h)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([value, n]) => `${value}×${n}`)
    .join(' ');
}

/** One line per seq of the cgroup's debugfs lru_gen block: seq, age in ms, anon pages, file pages. */
export function lru_gen_seqs(block: string): { seq: number; age_ms: number; anon: number; file: number }[] {
  return block
    .split('\n')
    .map((line) => /^\s+(\d+)\s+(\d+)\s+(-?\d+)\s+(-?\d+)\s*$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ seq: Number(m[1]), age_ms: Number(m[2]), anon: Number(m[3]), file: Number(m[4]) }));
}

/** "seq:anon" for every generation the cgroup's lruvec holds (MGLRU); "" under the classic LRU, where every seq is empty. */
export function lru_gen_text(block: string): string {
  const seqs = lru_gen_seqs(block);
  return seqs.every((s) => s.anon === 0 && s.file === 0) ? 'all generations empty' : seqs.map((s) => `${s.seq}:${s.anon}`).join(' ');
}

/**
 * The mm-walk statistics lru_gen_full prints under the youngest generation (vmscan.c, lru_gen_seq_show_full):
 * leaf PTEs looked at (T), young ones cleared (Y), non-leaf PMD entries found (F) and added to the Bloom filter (A).
 */
export function lru_gen_walk_stats(full: string): { total: number; young: number; found: number; added: number } | null {
  const m = /(\d+)T\s+(\d+)Y\s+(\d+)F\s+(\d+)A/.exec(full);
  return m === null ? null : { total: Number(m[1]), young: Number(m[2]), found: Number(m[3]), added: Number(m[4]) };
}

function shown(figure: string, model: number | string, kernel: number | string, rule: string): KernelFigure {
  const pct = typeof model === 'number' && typeof kernel === 'number' && model !== 0 ? Math.round(((kernel - model) / model) * 10000) / 100 : null;
  return { figure, model, kernel, difference_pct: pct, verdict: 'shown', rule };
}

const STABLE = 'stable in the kernel (identical in every run, docs/kernel-check.md "MGLRU on and off")';

/**
 * The memcg case's figures (docs/kernel-check.md, "MGLRU on and off"): the counts that were
 * identical in every guest run of a configuration are judged against the model, under either
 * LRU (MGLRU adds each generation's pages and the walk's young and added counts); the spinners'
 * TLB rows (the model's stress worker has no threads), the trace's batch histograms, the
 * generations' text and the walk's T and F are shown.
 */
export function compare_memcg_with_model(model: RunResult, trace: VmscanSummary, kernel: GuestReport, e: GuestExperiment, log_path: string): KernelFigure[] {
  const measured = guest_phase_named(kernel, kernel.last_pageout, log_path);
  const memcg = kernel.memcg;
  if (memcg === undefined) throw new Error('the guest\'s result has no memcg section (a guest program from before the memcg case?)');
  const stat = measured.memcg_stat ?? {};
  const kv = measured.vmstat;
  const figures: KernelFigure[] = [];
  const judge = (figure: string, model_value: () => number, kernel_value: number, rule = STABLE) => {
    figures.push(judged_count(figure, model_value(), kernel_value, `a count, ${rule}: within 2 % of the model`));
  };
  const m_vm = (name: string) => model.vmstat[name] ?? 0;
  const m_stat = model.reclaim?.memcg?.stat as Record<string, number> | undefined;
  const m_memcg = (name: string) => m_stat?.[name] ?? 0;

  for (let cpu = 0; cpu < e.cpus; cpu++) {
    const k_tlb = measured.TLB[cpu] ?? 0;
    if (cpu >= 1 && cpu <= e.threads) {
      figures.push(shown(`TLB CPU${cpu} (spinner)`, irq_row(model.interrupts, 'TLB')[cpu] ?? 0, k_tlb, 'shown: the guest writer\'s spinning thread, which the model\'s stress worker does not have; upstream flushes once per dirty folio unmapped, so it equals pswpout'));
      figures.push(shown(`CAL CPU${cpu} (spinner)`, irq_row(model.interrupts, 'CAL')[cpu] ?? 0, measured.CAL[cpu] ?? 0, 'shown, as the TLB row'));
    } else {
      judge(`TLB CPU${cpu}`, () => irq_row(model.interrupts, 'TLB')[cpu] ?? 0, k_tlb);
    }
  }
  judge('pswpout', () => m_vm('pswpout'), kv.pswpout ?? 0);
  if (e.swap === 'zram') judge('pgfree', () => m_vm('pgfree'), kv.pgfree ?? 0, `${STABLE}; zram frees each folio in the pass`);
  judge('memcg pgscan_direct', () => m_memcg('pgscan_direct'), stat.pgscan_direct ?? 0);
  judge('memcg pgsteal_direct', () => m_memcg('pgsteal_direct'), stat.pgsteal_direct ?? 0);
  judge('memcg pgrefill', () => m_memcg('pgrefill'), stat.pgrefill ?? 0);
  judge('memcg pgdeactivate', () => m_memcg('pgdeactivate'), stat.pgdeactivate ?? 0);
  judge('memcg pgactivate', () => m_vm('pgactivate'), stat.pgactivate ?? 0, `${STABLE}; the model counts it node-wide, which here is the cgroup's`);
  // Classic: the kernel's runs made 43 reclaim calls, one made 44 — exactly the model's run,
  // every count and histogram alike (docs/kernel-check.md): a call either way is the kernel's own spread.
  const calls = (figure: string, model_value: () => number, kernel_value: number) => {
    if (memcg.lru === 'mglru') judge(figure, model_value, kernel_value);
    else figures.push(judged_count(figure, model_value(), kernel_value, `a count, ${STABLE} in all T = 0 runs but one T = 2 run made one call more: within 2 % or one call of the model`, 1));
  };
  calls('memory.events max (limit reclaim calls)', () => model.reclaim?.memcg?.events.max ?? 0, memcg.events_max);
  calls('reclaim calls (mm_vmscan_memcg_reclaim_begin)', () => trace.reclaim_calls, memcg.trace.reclaim_calls);
  const passes = memcg.trace.shrink_inactive;
  judge('shrink_folio_list passes (mm_vmscan_lru_shrink_inactive)', () => trace.shrink_folio_list_passes, passes.events);
  judge('nr_ref_keep, summed over the passes', () => trace.nr_ref_keep, passes.nr_ref_keep);
  figures.push(shown('nr_scanned per pass (value×passes)', histogram_text(trace.by_nr_scanned), histogram_text(passes.by_nr_scanned), 'shown: the batch sizes shrink_folio_list was given'));
  figures.push(shown('priority per pass (value×passes)', histogram_text(trace.by_priority), histogram_text(passes.by_priority), 'shown: the scan priority of each pass'));
  for (const name of ['pgscan_direct', 'pgsteal_direct', 'allocstall_normal', 'allocstall_movable', 'pageoutrun', 'pgmajfault']) {
    judge(`vmstat ${name}`, () => m_vm(name), kv[name] ?? 0, `${STABLE}; 0: only the cgroup reclaimed, kswapd and global direct reclaim never ran`);
  }
  const m_gen = model.reclaim?.memcg?.lru_gen;
  const model_gens = m_gen === undefined ? 'classic LRU' : m_gen.seqs.map((g) => `${g.seq}:${g.anon}`).join(' ');
  figures.push(shown('MGLRU generations after the write (seq:anon pages)', model_gens, lru_gen_text(memcg.lru_gen_after), 'shown: debugfs lru_gen of the cgroup (MGLRU\'s only statistics; 6.12 adds no vmstat or memory.stat counter)'));
  if (memcg.lru === 'mglru') {
    // Each generation's pages, stable in every guest run: judged (the text above is shown).
    for (const g of lru_gen_seqs(memcg.lru_gen_after)) {
      judge(`MGLRU seq ${g.seq}: anon pages after the write`, () => m_gen?.seqs.find((m) => m.seq === g.seq)?.anon ?? 0, g.anon, `${STABLE}; debugfs lru_gen`);
    }
  }
  const walk = lru_gen_walk_stats(memcg.lru_gen_full_after);
  if (walk !== null && memcg.lru === 'mglru') {
    const m_walk = m_gen?.walk;
    figures.push(shown('MGLRU mm walk: PTEs looked at, young cleared, PMDs found, added', m_walk === undefined ? 'classic LRU' : `${m_walk.total}T ${m_walk.young}Y ${m_walk.found}F ${m_walk.added}A`, `${walk.total}T ${walk.young}Y ${walk.found}F ${walk.added}A`, 'shown: debugfs lru_gen_full; T and F also count the guest program\'s other mappings and depend on whether the priority-10 aging walks the mm again (a context switch into it, mglru.md 3.4); the model counts every PTE of the region\'s PMDs'));
    judge('MGLRU mm walk: young PTEs cleared (Y)', () => m_walk?.young ?? 0, walk.young, `${STABLE}; the forced first walk clears every region page faulted by the first reclaim`);
    judge('MGLRU mm walk: PTE tables added to the Bloom filter (A)', () => m_walk?.added ?? 0, walk.added, `${STABLE}; the region's tables with a young PTE per cache line of PTEs`);
  }
  figures.push(shown('memory.peak, bytes', model.reclaim?.memcg?.peak_bytes ?? 0, memcg.peak, 'shown'));
  const bad_pages = kernel.verify.mismatches + kernel.verify.readback_mismatches;
  figures.push({
    figure: 'data verification, bad pages',
    model: model.oracle.verdict,
    kernel: bad_pages,
    difference_pct: null,
    verdict: bad_pages === 0 ? 'agree' : 'disagree',
    rule: 'every page must read back as written in the kernel (0 bad pages); the model column is its oracle\'s verdict',
  });
  figures.push({ figure: 'write time, ms', model: Math.round(model.sim_pageout_ns / 1e3) / 1e3, kernel: Math.round(measured.elapsed_ns / 1e3) / 1e3, difference_pct: null, verdict: 'not compared', rule: 'a time: means nothing under emulation' });
  return figures;
}
