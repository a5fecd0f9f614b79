/**
 * fork of the process whose memory reclaim works on (kernel/fork.c dup_mmap, mm/memory.c
 * copy_page_range), for order-0 private anonymous pages: the child gets the parent's VMAs at
 * the same addresses, joins its anon_vma (anon_vma_fork), and shares every page
 * copy-on-write.
 */
import { assert } from '../engine/assert.js';
import { Yield, type TaskBody } from '../engine/simulator.js';
import { TLB_FLUSH_ALL } from '../hw/arch_tlb.js';
import { anon_vma_fork } from '../mm/anon_vma.js';
import { PG_anon_shared } from '../mm/folio.js';
import { MmStruct, PTE_ACCESSED, PTE_PRESENT, PTE_RW, PTE_SWP_EXCLUSIVE, PTRS_PER_PTE } from '../mm/mm_struct.js';
import { flush_wait, must_sync, type Kernel, type ReclaimTask } from '../reclaim/kernel.js';

/**
 * dup_mmap: a new mm laid out as the parent's, in the parent's anon_vma, then
 * copy_page_range over each VMA, one PMD at a time under its PTE locks:
 * - a present PTE (copy_present_pte): the folio gains a reference and a mapping
 *   (folio_try_dup_anon_rmap_pte; the page is no longer exclusive), and, the mapping being
 *   private, the PTE is write-protected in the parent and copied write-protected and old to
 *   the child (dirty kept);
 * - a swap PTE (copy_nonpresent_pte): swap_duplicate (the slot's count +1), its exclusive
 *   mark cleared in both.
 * No flush_tlb_batched_pending here: copy_pte_range has none. The parent's CPUs may cache
 * writable translations of the pages just write-protected, so dup_mmap ends with
 * flush_tlb_mm(oldmm). Returns the child.
 */
export function* dup_mmap(k: Kernel, rt: ReclaimTask, parent: MmStruct): Generator<Yield, MmStruct, void> {
  const pgdat = k.pgdat;
  const f = pgdat.folios;
  const cost = k.machine.cost;
  const child = new MmStruct(pgdat.mms.length, parent.pte.length - PTRS_PER_PTE);
  pgdat.mms.push(child);
  child.copy_vmas(parent);
  child.memcg_id = parent.memcg_id;
  anon_vma_fork(parent, child, pgdat.mms);
  // copy_pte_range makes the child a PTE table wherever the parent has one (its memcg charge,
  // to the forking task's cgroup, is not modelled).
  child.pte_table.set(parent.pte_table);
  child.anon_vma_ready = parent.anon_vma_ready;
  if (k.probe !== null) k.probe.mm_forked(parent, child);
  for (const vma of parent.vmas) {
    for (let pmd = vma.start_vpn; pmd < vma.end_vpn; pmd = Math.min(vma.end_vpn, (Math.floor(pmd / PTRS_PER_PTE) + 1) * PTRS_PER_PTE)) {
      if (must_sync(k, rt)) yield Yield.resume;
      const end = Math.min(vma.end_vpn, (Math.floor(pmd / PTRS_PER_PTE) + 1) * PTRS_PER_PTE);
      for (let vpn = pmd; vpn < end; vpn++) {
        const pte = parent.pte[vpn] as number;
        if (pte === 0) continue;
        rt.task.now_ns += cost.copy_pte_ns;
        const val = parent.pte_val[vpn] as number;
        child.pte_val[vpn] = val;
        if (k.probe !== null) k.probe.pte_copied(parent, child, vpn);
        if ((pte & PTE_PRESENT) !== 0) {
          assert(!f.large(val), () => `fork of a large folio ${val} (modelled on order-0 folios only)`);
          f.get(val);
          f.mapcount[val] = (f.mapcount[val] as number) + 1;
          f.set(val, PG_anon_shared);
          parent.pte[vpn] = pte & ~PTE_RW;
          child.pte[vpn] = pte & ~(PTE_RW | PTE_ACCESSED);
          child.nr_anon_pages++;
        } else {
          pgdat.swap.swap_duplicate(val);
          parent.pte[vpn] = pte & ~PTE_SWP_EXCLUSIVE;
          child.pte[vpn] = pte & ~PTE_SWP_EXCLUSIVE;
          child.nr_swap_ents++;
        }
      }
    }
  }
  if (must_sync(k, rt)) yield Yield.resume;
  if (!k.mutants.fork_skips_flush) rt.task.now_ns = k.machine.arch.flush_tlb_mm_range(rt.cpu, rt.task.now_ns, parent.context, 0, TLB_FLUSH_ALL, 0, false);
  if (flush_wait(k, rt)) yield Yield.resume;
  if (k.probe !== null) k.probe.fork_done(parent);
  return child;
}

/**
 * A thread of the process that forks it once, at `at_ns` (with the fork syscall's entry
 * cost), then hands the child to `forked` (which starts the child's threads).
 */
export function* forker(k: Kernel, rt: ReclaimTask, parent: MmStruct, at_ns: number, forked: (child: MmStruct, at_ns: number) => void): TaskBody {
  rt.task.now_ns = Math.max(rt.task.now_ns, at_ns);
  yield Yield.resume;
  rt.task.now_ns += k.machine.cost.syscall_ns;
  const child = yield* dup_mmap(k, rt, parent);
  forked(child, rt.task.now_ns);
}
