import { Prng } from '../engine/prng.js';
import { Simulator } from '../engine/simulator.js';
import { SwapIo } from '../block/page_io.js';
import { FileIo } from '../block/file_io.js';
import { SWAP_DEVICE_PRESETS, type SwapDeviceParams } from '../block/device.js';
import { make_cost_model } from '../hw/cost_model.js';
import { Machine } from '../hw/machine.js';
import { MmStruct } from '../mm/mm_struct.js';
import { NO_MUTANTS, type ModelMutants } from '../mm/mutants.js';
import { MEMCG_LRU_PRNG_STREAM, PgData } from '../mm/pgdat.js';
import type { Kernel } from '../reclaim/kernel.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { file_params, has_files, kswapd_cpu, writeback_params, stress_params, workload_kind, type Scenario } from '../scenario/schema.js';
import { Kswapd } from '../reclaim/kswapd.js';
import { Flusher } from '../reclaim/fs_writeback.js';

const PAGE_SIZE = 4096;

/** The swap device a scenario asks for: its preset with the scenario's overrides. */
export function swap_device_params(scenario: Scenario): SwapDeviceParams {
  const s = scenario.swap;
  const preset = SWAP_DEVICE_PRESETS[s.device];
  return {
    ...preset,
    ...(s.latency_ns === undefined ? {} : { latency_ns: s.latency_ns }),
    ...(s.bandwidth_mb_s === undefined ? {} : { bandwidth_mb_s: s.bandwidth_mb_s }),
    ...(s.queue_depth === undefined ? {} : { queue_depth: s.queue_depth }),
    ...(s.max_sectors_kb === undefined ? {} : { max_sectors_kb: s.max_sectors_kb }),
    ...(s.max_segments === undefined ? {} : { max_segments: s.max_segments }),
    ...(s.rotational === undefined ? {} : { rotational: s.rotational }),
  };
}

/** Builds the simulated machine and kernel state a scenario describes, before any process exists. */
export function build_kernel(scenario: Scenario, strategy: ReclaimStrategy, mutants: ModelMutants = NO_MUTANTS, seed = scenario.seed): Kernel {
  const sim = new Simulator();
  const machine = new Machine({
    nr_cpus: scenario.machine.cpus,
    tlb_entries: scenario.machine.tlb_entries,
    tlb_single_page_flush_ceiling: scenario.machine.tlb_single_page_flush_ceiling,
    cost: make_cost_model(scenario.machine.cost),
    sockets: scenario.machine.sockets,
    arch: scenario.machine.arch,
    arch_options: { arm64_batched_flush: scenario.machine.arm64_batched_flush, arm64_batched_pending: scenario.machine.arm64_batched_pending, kvm_preempt_pct: scenario.machine.kvm_preempt_pct, flush_tlb_multi_no_wait: mutants.flush_tlb_multi_no_wait, seed },
    sim,
  });
  const device = swap_device_params(scenario);
  const pgdat = new PgData(
    scenario.machine.memory / PAGE_SIZE,
    scenario.machine.cpus,
    swap_size(scenario) / PAGE_SIZE,
    device.kind === 'zram',
    {
      min_free_kbytes: scenario.reclaim?.min_free_kbytes,
      watermark_scale_factor: scenario.reclaim?.watermark_scale_factor,
      memcgs: scenario.memcg === undefined ? [] : [{ name: scenario.memcg.name, max_pages: scenario.memcg.max / PAGE_SIZE }],
      lru_gen: scenario.reclaim?.lru === 'mglru',
      ...(scenario.reclaim?.lru === 'mglru' ? { lru_gen_prng: Prng.stream(seed, MEMCG_LRU_PRNG_STREAM) } : {}),
    },
    device.rotational,
  );
  const swap_io = new SwapIo(sim, machine, pgdat, device, scenario.swap.zswap, mutants);
  const k: Kernel = { sim, machine, pgdat, swap_io, file_io: null, flusher: null, strategy, probe: null, kswapd: null, mutants };
  if (has_files(scenario)) {
    const file = file_params(scenario);
    k.file_io = new FileIo(sim, machine, pgdat, file.device === 'ram' ? null : SWAP_DEVICE_PRESETS[file.device], file.disk_size / PAGE_SIZE);
  }
  const cpu = kswapd_cpu(scenario);
  if (k.file_io !== null) {
    // A kworker of the unbound bdi_wq: on kswapd's CPU, the idle one, when there is one.
    k.flusher = new Flusher(k, cpu >= 0 ? cpu : scenario.machine.cpus - 1, writeback_params(scenario), k.file_io.files);
  }
  if (cpu >= 0) k.kswapd = new Kswapd(k, cpu);
  return k;
}

/**
 * The swap area: as configured; else, for MADV_PAGEOUT, four times the region (as
 * kernel-check gives its guest), so that one pageout leaves swap less than half full
 * (vm_swap_full, A27) as the spec's worked counts assume; for the stress workload twice the
 * memory all workers write.
 */
export function swap_size(scenario: Scenario): number {
  if (scenario.swap.size !== undefined) return scenario.swap.size;
  if (workload_kind(scenario) === 'stress') {
    const stress = stress_params(scenario);
    return 2 * stress.workers * stress.bytes;
  }
  return 4 * scenario.pageout.size;
}

/** A new process address space sized for `nr_pages` of mappings (plus alignment). */
export function create_mm(k: Kernel, nr_pages: number, nr_vmas: number): MmStruct {
  const mm = new MmStruct(k.pgdat.mms.length, nr_pages + nr_vmas * 512);
  k.pgdat.mms.push(mm);
  return mm;
}
