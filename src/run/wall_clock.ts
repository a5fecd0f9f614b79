/**
 * Wall time of a run, for the result's `wall_ms` only: it is measured around the model and
 * never read by it (DESIGN.md section 7).
 */
export function wall_ms_since(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function wall_now(): bigint {
  return process.hrtime.bigint();
}
