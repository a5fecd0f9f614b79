/**
 * Assertions that stay on in every build (TigerStyle): a broken invariant aborts the run
 * with the simulated time and event sequence, so the failure can be reproduced from the seed.
 */

/** Where in the simulation an assertion fired; filled in by the simulator when it knows. */
export interface SimPosition {
  sim_time_ns: number;
  seq: number;
}

/** Thrown when an internal invariant of the model does not hold: a bug in reclaimsim. */
export class SimAssertionError extends Error {
  readonly code = 'SIM_ASSERTION';
  position: SimPosition | undefined;

  constructor(message: string) {
    super(message);
    this.name = 'SimAssertionError';
  }
}

/**
 * Thrown when a run passes one of its bounds (simulated time, events): the scenario asks for
 * more than the model simulates (README "Limits"), or the model does not converge.
 */
export class SimBoundError extends SimAssertionError {
  constructor(message: string) {
    super(message);
    this.name = 'SimBoundError';
  }
}

/**
 * Asserts `condition`. A message that interpolates values is passed as a function, so it is
 * built only when the assertion fails: a template literal would be built on every call, and
 * on the per-folio paths that was a tenth of a run's allocations.
 */
export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new SimAssertionError(typeof message === 'string' ? message : message());
}

/** Asserts that `value` is a safe non-negative integer, the representation of every time and count. */
export function assert_count(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SimAssertionError(`${what} must be a non-negative safe integer, got ${value}`);
  }
}
