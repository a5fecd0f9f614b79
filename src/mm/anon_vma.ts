/**
 * The anon_vma side of the reverse map (mm/rmap.c), for private anonymous folios. A folio
 * names its anon_vma (folio->mapping; here `rmap_mm`: the id of the mm owning it) and, per
 * page, its index (page->index; here `rmap_vpn`). An mm's anon_vma lists its own VMAs and
 * those of the children forked from it (anon_vma_fork links a child's VMA into the parent's
 * anon_vma), so an rmap walk from a folio the parent faulted visits both processes.
 *
 * An anonymous VMA starts with vm_pgoff equal to its start, so index and address agree; mremap
 * keeps each folio's index and gives the moved VMA the old vm_pgoff. The model records that
 * per page (`MmStruct.index_vpn` / `vpn_index`) rather than per VMA, and an rmap walk looks
 * at both the moved address and the index itself (a new VMA mapped at the old range has its
 * own pages with the same indices; the PTE tells which page is which).
 */
import { NIL } from './folio.js';
import type { MmStruct } from './mm_struct.js';

/** Whether an rmap walk of a folio owned by `anon_vma` visits `mm`. */
export function anon_vma_has(mms: readonly MmStruct[], anon_vma: number, mm: MmStruct): boolean {
  return mm.id === anon_vma || (mms[anon_vma] as MmStruct).anon_vma_children.includes(mm.id);
}

/** vma_address: where `mm` maps page index `index` after any mremap (the index itself if never moved). */
export function moved_address(mm: MmStruct, index: number): number {
  const to = mm.index_vpn === null ? 0 : (mm.index_vpn[index] as number);
  return to === 0 ? index : to - 1;
}

/** The page index a new anonymous page mapped at `vpn` gets (linear_page_index of its VMA). */
export function page_index(mm: MmStruct, vpn: number): number {
  const from = mm.vpn_index === null ? 0 : (mm.vpn_index[vpn] as number);
  return from === 0 ? vpn : from - 1;
}

/** Whether `mm` maps page index `index` at `vpn` (as the moved VMA or as the original one). */
export function address_of_index(mm: MmStruct, index: number, vpn: number): boolean {
  return index !== NIL && (vpn === index || vpn === moved_address(mm, index));
}

/**
 * mremap moved the page at `old_vpn` to `new_vpn` (move_vma: the new VMA keeps the old
 * vm_pgoff). Its index now lives at `new_vpn`; `old_vpn` is back to its own index.
 */
export function anon_vma_moved(mm: MmStruct, old_vpn: number, new_vpn: number): void {
  const index = page_index(mm, old_vpn);
  if (mm.index_vpn === null || mm.vpn_index === null) {
    mm.index_vpn = new Int32Array(mm.pte.length);
    mm.vpn_index = new Int32Array(mm.pte.length);
  }
  mm.index_vpn[index] = new_vpn === index ? 0 : new_vpn + 1;
  mm.vpn_index[new_vpn] = new_vpn === index ? 0 : index + 1;
  mm.vpn_index[old_vpn] = 0;
}

/** anon_vma_fork: the child's VMAs join the parent's anon_vma (its root's), and it inherits the parent's moves. */
export function anon_vma_fork(parent: MmStruct, child: MmStruct, mms: readonly MmStruct[]): void {
  const root = mms[parent.anon_vma_root] as MmStruct;
  root.anon_vma_children.push(child.id);
  if (root !== parent) parent.anon_vma_children.push(child.id);
  child.anon_vma_root = root.id;
  if (parent.index_vpn !== null && parent.vpn_index !== null) {
    child.index_vpn = parent.index_vpn.slice();
    child.vpn_index = parent.vpn_index.slice();
  }
}
