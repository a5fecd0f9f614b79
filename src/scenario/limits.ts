/**
 * What the model can hold: bounds on scenario values, checked when a scenario is read so that
 * a value beyond them is a located usage error, not a crash, a hang or a machine out of memory
 * halfway through a run. README "Limits" lists them with the host memory they take.
 */

const GiB = 1024 ** 3;

/** A run stops (a usage error, exit 1) once simulated time passes one hour. */
export const SIM_TIME_MAX_NS = 3600e9;
/**
 * Simulated RAM: the model keeps up to about 100 bytes per 4 KiB page frame (folio tables and
 * the oracle's shadow state), 1.6 GB of host memory at this bound if every table is touched;
 * measured, dirty-16m on 64 GiB peaks at 530 MB.
 */
export const MEMORY_MAX = 64 * GiB;
/** A swap area: about 10 bytes per 4 KiB slot, 640 MB of host memory at the bound. */
export const SWAP_MAX = 256 * GiB;
/** Any one cost of the cost model, or a device latency: one second. */
export const COST_MAX_NS = 1e9;
/** Per-CPU TLB entries (real second-level dTLBs have up to a few thousand). */
export const TLB_ENTRIES_MAX = 65_536;
/** Pages above which a range flush becomes a full flush (1 GiB of 4 KiB pages). */
export const FLUSH_CEILING_MAX = 262_144;
/** Swap device queue depth (NVMe's limit) and request limits. */
export const QUEUE_DEPTH_MAX = 65_536;
export const MAX_SECTORS_KB_MAX = 65_536;
export const MAX_SEGMENTS_MAX = 65_535;
/** Swap device bandwidth, MB/s (1 TB/s). */
export const BANDWIDTH_MAX_MB_S = 1_000_000;
/** Passes (bogo-ops) of one stress worker: 300 passes of stress-memcg take about half a minute. */
export const PASSES_MAX = 100_000;
