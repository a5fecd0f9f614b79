import type { FileMapping } from '../mm/file_mapping.js';
import { NIL, PG_dirty } from '../mm/folio.js';
import { PTE_PRESENT, PTE_SWAP, type MmStruct, type Vma } from '../mm/mm_struct.js';
import type { Kernel } from '../reclaim/kernel.js';

/**
 * The oracle's shadow of file data: per file page the version last written through a shared
 * mapping (what any read of the file must see), the version on disk, and the version each
 * write in flight carries. A write after reclaim must reach the disk or stay in memory: a
 * read (or the final read-back) seeing anything else is a lost write.
 */
export class FileData {
  private readonly written = new Map<number, Float64Array>();
  private readonly disk = new Map<number, Float64Array>();
  /** The version each folio's write in flight carries (captured at ->writepage). */
  private readonly in_flight = new Map<number, number>();
  /** The file page of the last versions_for answer. */
  index = 0;

  constructor(
    private readonly k: Kernel,
    private readonly frame_version: Float64Array,
  ) {}

  private file_array(map: Map<number, Float64Array>, file: number): Float64Array {
    let a = map.get(file);
    if (a === undefined) {
      a = new Float64Array((this.k.pgdat.mappings[file] as FileMapping).nr_pages);
      map.set(file, a);
    }
    return a;
  }

  /**
   * The written versions of the file an access at `vpn` of `mm` reaching frame `pfn` is an
   * access to (setting `index`), or null when it is one to private memory: a shared file
   * mapping always reaches the file; a private one only while it maps the page-cache folio.
   */
  versions_for(mm: MmStruct, vpn: number, pfn: number): Float64Array | null {
    const vma = mm.find_vma(vpn);
    if (vma === null || vma.file === NIL) return null;
    const f = this.k.pgdat.folios;
    if (!vma.shared && f.mapping[f.folio_head(pfn)] !== vma.file) return null;
    this.index = vma.pgoff + (vpn - vma.start_vpn);
    return this.file_array(this.written, vma.file);
  }

  /** A write() copied into folio `pfn` at `index` of `file`: a new version of that page. */
  written_by_syscall(pfn: number, file: number, index: number): void {
    const versions = this.file_array(this.written, file);
    const version = (versions[index] as number) + 1;
    versions[index] = version;
    this.frame_version[pfn] = version;
  }

  /** What a read() of `index` copying from folio `pfn` sees, and the version last written: [seen, expected]. */
  read_by_syscall(pfn: number, file: number, index: number): [number, number] {
    return [this.frame_version[pfn] as number, this.file_array(this.written, file)[index] as number];
  }

  /**
   * The final read-back of a file, page by page: a page no one maps reads the cached folio,
   * else the disk, against the version last written (`mapped` pages are read back through
   * their mappings, read_back). Either way a cached folio nothing marks dirty — not PG_dirty,
   * no dirty PTE maps it (`dirty_pte`) — must match the disk too: reclaim may drop it at any
   * time, and the write it holds with it. Calls `lost` with [index, seen, expected, folio,
   * whether it is such a clean folio].
   */
  read_back_file(file: FileMapping, mapped: boolean, dirty_pte: (pfn: number) => boolean, lost: (index: number, seen: number, expected: number, pfn: number, clean_cached: boolean) => void): void {
    const written = this.file_array(this.written, file.id);
    const disk = this.file_array(this.disk, file.id);
    const f = this.k.pgdat.folios;
    for (let index = 0; index < file.nr_pages; index++) {
      const expected = written[index] as number;
      const pfn = file.get_folio(index);
      const on_disk = disk[index] as number;
      if (pfn === NIL) {
        if (!mapped && on_disk !== expected) lost(index, on_disk, expected, NIL, false);
        continue;
      }
      const cached = this.frame_version[pfn] as number;
      if (!mapped && cached !== expected) lost(index, cached, expected, pfn, false);
      else if (cached === expected && on_disk !== expected && !f.test(pfn, PG_dirty) && !dirty_pte(pfn)) lost(index, on_disk, expected, pfn, true);
    }
  }

  capture(pfn: number): void {
    this.in_flight.set(pfn, this.frame_version[pfn] as number);
  }

  stored(pfn: number, file: number, index: number): void {
    this.file_array(this.disk, file)[index] = this.in_flight.get(pfn) ?? 0;
    this.in_flight.delete(pfn);
  }

  read_done(pfn: number, file: number, index: number): void {
    this.frame_version[pfn] = this.file_array(this.disk, file)[index] as number;
  }

  /**
   * The final read-back of `vpn` in a file VMA, when it reads the file (a shared mapping, or
   * a private one's page not copied): what a read sees — the mapped frame, else the cached
   * folio, else the disk — against the version last written. Returns [seen, expected, pfn],
   * or null to leave the page to the anonymous checks (a private copy, mapped or swapped).
   */
  read_back(mm: MmStruct, vma: Vma, vpn: number): [number, number, number] | null {
    const f = this.k.pgdat.folios;
    const file = this.k.pgdat.mappings[vma.file] as FileMapping;
    const index = vma.pgoff + (vpn - vma.start_vpn);
    const pte = mm.pte[vpn] as number;
    const val = mm.pte_val[vpn] as number;
    if ((pte & PTE_SWAP) !== 0) return null;
    if ((pte & PTE_PRESENT) !== 0 && f.mapping[f.folio_head(val)] !== vma.file) return null;
    const expected = this.file_array(this.written, vma.file)[index] as number;
    if ((pte & PTE_PRESENT) !== 0) return [this.frame_version[val] as number, expected, val];
    const cached = file.get_folio(index);
    if (cached !== NIL) return [this.frame_version[cached] as number, expected, cached];
    return [this.file_array(this.disk, vma.file)[index] as number, expected, NIL];
  }
}
