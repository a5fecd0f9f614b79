import { MTHP_SIZES, mthp_order, thp_orders, workload_kind, type Scenario } from '../scenario/schema.js';
import { format_size } from '../scenario/units.js';
import { KernelCheckError } from './errors.js';
import { GUEST_CPUS_MAX, GUEST_MEMORY_BASE } from './guest_limits.js';
import { plan_memcg_experiment } from './memcg_experiment.js';

export { GUEST_CPUS_MAX, GUEST_MEMORY_BASE } from './guest_limits.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PMD_SIZE = 2 * MiB;
/** Swap when the scenario gives none: four times the region, so the kernel's vm_swap_full() (more than half used) never holds. */
const SWAP_MIN = 64 * MiB;
/** The kernel's default x86 tlb_single_page_flush_ceiling. */
const KERNEL_FLUSH_CEILING = 33;

/** What the guest runs: the arguments of /init and guest/pageout.c, and the VM's shape. */
export interface GuestExperiment {
  cpus: number;
  memory_bytes: number;
  /** nvme and ssd become a virtio-blk disk; zram stays zram. */
  swap: 'virtio' | 'zram';
  swap_bytes: number;
  /** Spinning threads on CPUs 1..threads. */
  threads: number;
  size_bytes: number;
  chunk: 'whole' | '2M';
  mode: 'dirty' | 'clean';
  lazy_cpu: number | null;
  /** memory.thp for the guest's .../transparent_hugepage/enabled, or null to leave THP off. */
  thp: string | null;
  /** memory.mthp as the guest program's SIZE:SETTING list, sizes in kB ("64:always+16:never"; rsim.args splits at commas), or null. */
  mthp: string | null;
  /** pageout.backing: file — the region is a file on its own disk; absent for the anonymous region. */
  file?: GuestFile;
  /** The memcg case (a stress scenario): no pageout; the region is written once inside a cgroup. Absent for the madvise experiment. */
  memcg?: GuestMemcg;
}

/** The memcg case (issue 13): a cgroup v2 child of this memory.max, and the LRU the guest selects before the write. */
export interface GuestMemcg {
  max_bytes: number;
  /** classic: lru_gen/enabled = n; mglru: 0x0007. */
  lru: 'classic' | 'mglru';
}

/** The file case: a file of the region's size on an ext2 filesystem on a second virtio-blk disk. */
export interface GuestFile {
  mapping: 'shared' | 'private';
  /** The file disk: the region plus room for ext2's metadata. */
  disk_bytes: number;
}

/** Where the guest creates the file (/init mounts the file disk on /mnt). */
export const GUEST_FILE_PATH = '/mnt/region';
/** Room on the file disk besides the file: ext2 metadata (inode tables, bitmaps, indirect blocks). */
const FILE_DISK_SLACK = 16 * MiB;

/** pageout.backing and pageout.mapping with the schema's defaults: the anonymous region; a file mapped MAP_PRIVATE. */
export function pageout_backing(scenario: Scenario): { backing: 'anon' | 'file'; mapping: 'private' | 'shared' } {
  return { backing: scenario.pageout.backing ?? 'anon', mapping: scenario.pageout.mapping ?? 'private' };
}

/** The experiment, and where the guest differs from the scenario without changing any count. */
export interface ExperimentPlan {
  experiment: GuestExperiment;
  /** The scenario the model runs: the given one, with swap.rotational as the guest's disk reports it when that matters. */
  model_scenario: Scenario;
  notes: string[];
}

/**
 * The guest memory a scenario needs: base, the region, and zram's copy of it (incompressible
 * data). A file region is in the page cache; written through a private mapping it is copied
 * to anonymous memory too, which is swapped out like the anonymous region.
 */
export function guest_memory_needed(scenario: Scenario): number {
  const zram = scenario.swap.device === 'zram';
  const { backing, mapping } = pageout_backing(scenario);
  const anon_copies = zram ? 2 : 1;
  const copies = backing !== 'file' ? anon_copies : mapping === 'private' && scenario.pageout.mode === 'dirty' ? 1 + anon_copies : 1;
  return GUEST_MEMORY_BASE + copies * scenario.pageout.size;
}

/**
 * Maps a scenario to the experiment the guest program can run. Anything it cannot reproduce is
 * an error naming the field, not a silent approximation: the kernel's numbers must be for the
 * same experiment as the model's.
 */
export function plan_experiment(scenario: Scenario): ExperimentPlan {
  // A stress scenario is the memcg case: one worker writing once over its cgroup's limit.
  if (workload_kind(scenario) === 'stress') return plan_memcg_experiment(scenario);
  const issues: string[] = [];
  const notes: string[] = [];
  const { machine, swap, workload, pageout } = scenario;
  // The guest is an x86-64 TCG/KVM machine flushing by IPI; the other architectures' counts have no row to compare.
  if ((machine.arch ?? 'x86') !== 'x86') issues.push(`machine.arch: the guest is x86-64 and flushes by IPI (use x86), got ${machine.arch}`);
  if ((machine.sockets ?? 1) !== 1) issues.push(`machine.sockets: the guest has one socket (use 1), got ${machine.sockets}`);
  if (machine.cpus > GUEST_CPUS_MAX) issues.push(`machine.cpus: at most ${GUEST_CPUS_MAX} (the guest program's limit), got ${machine.cpus}`);
  const needed = guest_memory_needed(scenario);
  if (machine.memory < needed) {
    issues.push(
      `machine.memory: ${format_size(machine.memory)} is too small for the guest: it needs ${Math.ceil(needed / MiB)}MiB ` +
        `(${GUEST_MEMORY_BASE / MiB} MiB for the kernel and initramfs, the region${swap.device === 'zram' ? ' and its copy in zram' : ''}); ` +
        `use --set machine.memory=${Math.ceil(needed / MiB)}MiB`,
    );
  }
  // MADV_PAGEOUT takes the same path under both LRUs (reclaim_pages); the guest leaves lru_gen as the kernel booted it.
  if (scenario.reclaim?.lru !== undefined) {
    issues.push(`reclaim.lru: the guest selects the LRU in its memcg case only (workload.kind: stress); its MADV_PAGEOUT experiment keeps the kernel's default: leave it out, got ${scenario.reclaim.lru}`);
  }
  if (workload.access !== 'hot') issues.push(`workload.access: ${workload.access} is not supported by the guest program (its threads spin on a hot buffer: use hot)`);
  if (workload.process !== 'same') issues.push(`workload.process: ${workload.process} is not supported by the guest program (its threads belong to the paged-out process: use same)`);
  if ((workload.race_ops ?? []).length > 0) {
    issues.push(`workload.race_ops: ${workload.race_ops?.join(',')} is not supported by the guest program (no thread of it unmaps or protects the region: use [])`);
  }
  if (workload.fork_at !== undefined) {
    issues.push('workload.fork_at is not supported by the guest program (it does not fork: leave it out)');
  }
  if (workload.pageout_access !== 'none') {
    issues.push(`workload.pageout_access: ${workload.pageout_access} is not supported by the guest program (its threads do not touch the region: use none)`);
  }
  if (workload.lazy_cpus.length > 1) issues.push(`workload.lazy_cpus: at most one lazy CPU in the guest, got ${workload.lazy_cpus.length}`);
  if (pageout.cpu !== 0) issues.push(`pageout.cpu: the guest's madvise caller runs on CPU 0, got ${pageout.cpu}`);
  if (pageout.zero_pages !== 0) issues.push(`pageout.zero_pages: the guest program writes non-zero data to every page (use 0), got ${pageout.zero_pages}`);
  if (swap.zswap.enabled) issues.push('swap.zswap.enabled: the guest boots with zswap off (use false)');
  const { backing, mapping } = pageout_backing(scenario);
  const file = backing === 'file';
  if (file && thp_orders(scenario, true) !== 0) {
    issues.push('memory.thp / memory.mthp: the guest\'s file case has no large folios (ext4 in 6.12 caches order-0 folios); leave them unset');
  }
  const chunk = pageout.chunk === 'whole' || pageout.chunk >= pageout.size ? 'whole' : pageout.chunk === PMD_SIZE ? '2M' : null;
  if (chunk === null) issues.push(`pageout.chunk: the guest pages out in one call (whole) or per 2MiB, got ${format_size(pageout.chunk as number)}`);
  // virtio-blk registers its disk BLK_FEAT_ROTATIONAL: swapon gives it no clusters, and every
  // large folio is split before swap-out. Only large folios see the difference.
  let model_scenario = scenario;
  if (thp_orders(scenario, true) !== 0 && swap.device !== 'zram') {
    if (swap.rotational === false) {
      issues.push('swap.rotational: the guest\'s virtio-blk disk is rotational (BLK_FEAT_ROTATIONAL), so its large folios are split before swap-out; use true, or leave it unset');
    } else if (swap.rotational === undefined) {
      model_scenario = { ...scenario, swap: { ...swap, rotational: true } };
      notes.push('swap.rotational: the guest\'s virtio-blk disk is rotational, so the model runs with swap.rotational: true (large folios are split before swap-out)');
    }
  }
  if (issues.length > 0) throw new KernelCheckError(`the guest cannot run this scenario:\n  ${issues.join('\n  ')}`);

  if (workload.threads > 0 && workload.region !== 4 * KiB) {
    notes.push(`workload.region ${format_size(workload.region)}: each guest thread spins on one 4KiB page (TLB counts do not depend on it)`);
  }
  if (machine.tlb_single_page_flush_ceiling !== KERNEL_FLUSH_CEILING) {
    notes.push(`machine.tlb_single_page_flush_ceiling ${machine.tlb_single_page_flush_ceiling}: the guest kernel keeps its own (${KERNEL_FLUSH_CEILING} by default)`);
  }
  return {
    experiment: {
      cpus: machine.cpus,
      memory_bytes: machine.memory,
      swap: swap.device === 'zram' ? 'zram' : 'virtio',
      swap_bytes: swap.size ?? Math.max(SWAP_MIN, 4 * pageout.size),
      threads: workload.threads,
      size_bytes: pageout.size,
      chunk: chunk ?? 'whole',
      mode: pageout.mode,
      lazy_cpu: workload.lazy_cpus[0] ?? null,
      thp: scenario.memory?.thp ?? null,
      mthp: guest_mthp_list(scenario),
      ...(file ? { file: { mapping, disk_bytes: pageout.size + FILE_DISK_SLACK } } : {}),
    },
    model_scenario,
    notes,
  };
}

/** memory.mthp as the guest program's --mthp list: hugepages-<kB> directory sizes. */
function guest_mthp_list(scenario: Scenario): string | null {
  const mthp = scenario.memory?.mthp;
  if (mthp === undefined) return null;
  const items = MTHP_SIZES.flatMap((size) => {
    const setting = mthp[size];
    return setting === undefined ? [] : [`${4 << mthp_order(size)}:${setting}`];
  });
  return items.length === 0 ? null : items.join('+');
}

/** Arguments of guest/pageout.c. */
export function guest_program_args(e: GuestExperiment): string[] {
  const args = ['--threads', String(e.threads), '--size', String(e.size_bytes), '--chunk', e.chunk, '--mode', e.mode];
  if (e.lazy_cpu !== null) args.push('--lazy-cpu', String(e.lazy_cpu));
  if (e.thp !== null) args.push('--thp', e.thp);
  if (e.mthp !== null) args.push('--mthp', e.mthp);
  if (e.file !== undefined) args.push('--file', GUEST_FILE_PATH, '--mapping', e.file.mapping);
  if (e.memcg !== undefined) args.push('--memcg-max', String(e.memcg.max_bytes), '--lru', e.memcg.lru);
  return args;
}

/**
 * The guest kernel's command line: serial console, no THP (the guest program turns on the sizes
 * a scenario's memory section asks for, through sysfs), no zswap, /init's parameters, and
 * every CPU but 0 isolated. A kernel thread that runs on a spinner's CPU (the per-CPU
 * vmstat_update every second, load balancing) makes it lazy, and flushes skip lazy CPUs: on a
 * busy emulating host a 16 MiB pageout lost up to 4 % of its shootdowns that way.
 */
export function guest_kernel_cmdline(e: GuestExperiment): string {
  const isolated = e.cpus === 1 ? [] : [`isolcpus=${e.cpus === 2 ? '1' : `1-${e.cpus - 1}`}`];
  return [
    'console=ttyS0', 'quiet', 'panic=-1', 'transparent_hugepage=never', 'zswap.enabled=0', ...isolated, 'rdinit=/init',
    `rsim.swap=${e.swap}`, `rsim.swapsize=${e.swap_bytes}`, 'rsim.isolate=1', ...(e.file === undefined ? [] : ['rsim.file=1']),
    `rsim.args=${guest_program_args(e).join(',')}`,
  ].join(' ');
}
