/**
 * Swap device presets. An asynchronous device is a bandwidth-limited pipe with a fixed
 * latency and a tag limit (queue depth); zram is a synchronous, bio-based device whose
 * compression runs on the submitting CPU (kernel-spec F3).
 */
export type SwapDeviceKind = 'nvme' | 'ssd' | 'hdd' | 'zram';

export interface SwapDeviceParams {
  kind: SwapDeviceKind;
  /** Fixed service latency per request, ns (after its transfer). */
  latency_ns: number;
  /** Transfer rate, MB/s (10^6 bytes per second). */
  bandwidth_mb_s: number;
  /** Requests in flight at most (blk-mq tags). */
  queue_depth: number;
  /** Largest request, KiB (queue/max_sectors_kb). */
  max_sectors_kb: number;
  /** Most segments per request (queue/max_segments); each 4 KiB page is one segment here. */
  max_segments: number;
  /**
   * queue/rotational: swapon gives a non-rotational device swap clusters (SWP_SOLIDSTATE),
   * which large folios need to be swapped out whole; a rotational one gets none.
   */
  rotational: boolean;
}

export const SWAP_DEVICE_PRESETS: Record<SwapDeviceKind, SwapDeviceParams> = {
  /** A datacentre NVMe drive: ~20 us 4 KiB write latency, 2 GB/s sequential write. Estimate. */
  nvme: { kind: 'nvme', latency_ns: 20_000, bandwidth_mb_s: 2000, queue_depth: 1023, max_sectors_kb: 512, max_segments: 127, rotational: false },
  /** A SATA SSD: ~60 us latency, ~450 MB/s, NCQ depth 32, AHCI's 168 segments. Estimate. */
  ssd: { kind: 'ssd', latency_ns: 60_000, bandwidth_mb_s: 450, queue_depth: 32, max_sectors_kb: 1280, max_segments: 168, rotational: false },
  /**
   * A 7200 rpm SATA disk: ~4 ms average rotational latency plus a short seek for swap's mostly
   * sequential writes, ~150 MB/s, NCQ depth 32, AHCI's 168 segments; rotational. Estimate.
   */
  hdd: { kind: 'hdd', latency_ns: 5_000_000, bandwidth_mb_s: 150, queue_depth: 32, max_sectors_kb: 1280, max_segments: 168, rotational: true },
  /** zram: no queue; the cost is zram_compress_ns on the CPU (cost model). */
  zram: { kind: 'zram', latency_ns: 0, bandwidth_mb_s: 0, queue_depth: 0, max_sectors_kb: 0, max_segments: 0, rotational: false },
};
