import { stress_params, thp_orders, type Scenario } from '../scenario/schema.js';
import { format_size } from '../scenario/units.js';
import { KernelCheckError } from './errors.js';
import type { ExperimentPlan } from './experiment.js';
import { GUEST_CPUS_MAX, GUEST_MEMORY_BASE } from './guest_limits.js';

const MiB = 1024 * 1024;
/** Swap when the scenario gives none: four times the region, so vm_swap_full() never holds (as the madvise case). */
const SWAP_MIN = 64 * MiB;

/** The guest memory of the memcg case: base, the region, and zram's copy of what leaves the cgroup. */
export function memcg_guest_memory_needed(scenario: Scenario): number {
  const bytes = stress_params(scenario).bytes;
  return GUEST_MEMORY_BASE + (scenario.swap.device === 'zram' ? 2 : 1) * bytes;
}

/**
 * The memcg case (issue 13, docs/kernel-check.md "MGLRU on and off"): a stress scenario of
 * one worker writing its region once in a memcg is what the guest reproduces. The worker is
 * the guest program on CPU 0; it enters the cgroup after faulting everything else, so the
 * cgroup is charged for the region only. workload.threads gives the guest writer spinning
 * threads on CPUs 1..T, which the model's stress worker does not have (their TLB counts are
 * shown, not judged). Anything else is refused by field.
 */
export function plan_memcg_experiment(scenario: Scenario): ExperimentPlan {
  const issues: string[] = [];
  const notes: string[] = [];
  const { machine, swap, workload, memcg } = scenario;
  const stress = stress_params(scenario);
  if ((machine.arch ?? 'x86') !== 'x86') issues.push(`machine.arch: the guest is x86-64 and flushes by IPI (use x86), got ${machine.arch}`);
  if ((machine.sockets ?? 1) !== 1) issues.push(`machine.sockets: the guest has one socket (use 1), got ${machine.sockets}`);
  if (machine.cpus > GUEST_CPUS_MAX) issues.push(`machine.cpus: at most ${GUEST_CPUS_MAX} (the guest program's limit), got ${machine.cpus}`);
  if (memcg === undefined) issues.push('memcg: the guest runs a stress scenario only as memcg limit reclaim: give memcg.max');
  if (stress.workers !== 1) issues.push(`stress.workers: the guest writes from one process (use 1), got ${stress.workers}`);
  if (stress.passes !== 1 || scenario.stress?.duration !== undefined) issues.push('stress.passes: the guest writes its region once (use passes: 1 and no duration)');
  if ((scenario.stress?.backing ?? 'anon') !== 'anon') issues.push(`stress.backing: the guest's memcg case writes anonymous memory (use anon), got ${scenario.stress?.backing}`);
  if ((scenario.stress?.access ?? 'write') !== 'write') issues.push(`stress.access: the guest's memcg case writes (use write), got ${scenario.stress?.access}`);
  if (thp_orders(scenario, false) !== 0) issues.push('memory.thp / memory.mthp: the guest\'s memcg case writes order-0 folios (THP off): leave them unset');
  if (swap.zswap.enabled) issues.push('swap.zswap.enabled: the guest boots with zswap off (use false)');
  if (workload.threads > machine.cpus - 1) issues.push(`workload.threads: the guest's spinning threads take CPUs 1..T: at most machine.cpus - 1 (${machine.cpus - 1}), got ${workload.threads}`);
  const needed = memcg_guest_memory_needed(scenario);
  if (machine.memory < needed) {
    issues.push(`machine.memory: ${format_size(machine.memory)} is too small for the guest: use --set machine.memory=${Math.ceil(needed / MiB)}MiB (${GUEST_MEMORY_BASE / MiB} MiB for the kernel, the region${swap.device === 'zram' ? ' and its copy in zram' : ''})`);
  }
  if (issues.length > 0 || memcg === undefined) throw new KernelCheckError(`the guest cannot run this scenario:\n  ${issues.join('\n  ')}`);

  const lru = scenario.reclaim?.lru ?? 'classic';
  if (workload.threads > 0) {
    notes.push(`workload.threads ${workload.threads}: the guest's writer has ${workload.threads} spinning thread(s) on CPUs 1..${workload.threads}, which the model's stress worker does not have: their TLB and CAL counts are shown, not judged`);
  }
  if (lru === 'mglru') notes.push('reclaim.lru mglru: the model runs MGLRU\'s memcg limit reclaim (issue 13); the walk\'s PTEs looked at and tables found are shown, not judged (they count the guest program\'s other mappings)');
  return {
    experiment: {
      cpus: machine.cpus,
      memory_bytes: machine.memory,
      swap: swap.device === 'zram' ? 'zram' : 'virtio',
      swap_bytes: swap.size ?? Math.max(SWAP_MIN, 4 * stress.bytes),
      threads: workload.threads,
      size_bytes: stress.bytes,
      chunk: 'whole',
      mode: 'dirty',
      lazy_cpu: null,
      thp: null,
      mthp: null,
      memcg: { max_bytes: memcg.max, lru },
    },
    model_scenario: scenario,
    notes,
  };
}
