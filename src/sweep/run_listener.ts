import type { RunOutcome } from './execute.js';
import type { RunSpec } from './grid.js';

/**
 * How an executor reports each run as it ends: with its outcome (a result or a model failure,
 * both recorded), or failed for a reason of the executor's own (not recorded: retried on the
 * next invocation).
 */
export interface RunListener {
  done(run: RunSpec, outcome: RunOutcome): void;
  failed(run: RunSpec, reason: string): void;
}
