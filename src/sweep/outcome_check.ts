import { z } from 'zod';
import { stable_json } from '../run/result.js';
import type { RunOutcome } from './execute.js';
import type { RunSpec } from './grid.js';
import { MODEL_VERSION } from './model_version.js';

/** What a queue worker returns: the outcome of the run, and the model version that produced it. */
export type WorkerOutcome = RunOutcome & { model: string };

const counts = z.record(z.string(), z.number());
/** The parts of a run record that the result file, the report and queries rely on. */
const run_record = z.looseObject({
  strategy: z.string(),
  seed: z.number(),
  scenario: z.looseObject({ name: z.string() }),
  sim_time_ns: z.number(),
  wall_ms: z.number(),
  vmstat: counts,
  interrupts: z.record(z.string(), z.array(z.number())),
  tasks: z.array(z.looseObject({ name: z.string() })),
  phases: z.array(z.looseObject({ name: z.string(), start_ns: z.number(), end_ns: z.number() })),
  io: z.looseObject({ requests: z.number(), bios: z.number() }),
  events: z.number(),
  oracle: z.looseObject({ enabled: z.boolean(), violations: z.array(z.looseObject({ code: z.string() })) }),
});
const with_result = z.strictObject({ result: run_record, model: z.string() });
const with_error = z.strictObject({ error: z.string(), model: z.string() });

/**
 * Why a worker's answer cannot be recorded as this run's outcome, or null if it can: it must
 * have the shape of an outcome, come from this model version, and be the run that was asked
 * for (its strategy, seed and scenario). A queue is shared: anything can write to it.
 */
export function outcome_problem(value: unknown, run: RunSpec): string | null {
  if (value === null || typeof value !== 'object') return 'the worker returned no run outcome (not an object)';
  if (!('model' in value)) return 'the worker sent no model version (an older reclaimsim?): run workers of this version';
  const parsed = 'result' in value ? with_result.safeParse(value) : with_error.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `the worker returned no run outcome (${issue === undefined ? 'wrong shape' : `${issue.path.join('.') || 'outcome'}: ${issue.message}`})`;
  }
  const answer = parsed.data;
  if (answer.model !== MODEL_VERSION) return `the worker runs reclaimsim ${JSON.stringify(answer.model).slice(0, 40)}, this sweep ${MODEL_VERSION}: run workers of this version`;
  if ('result' in answer) {
    const r = answer.result;
    if (r.strategy !== run.strategy || r.seed !== run.seed || stable_json(r.scenario, 0) !== stable_json(run.scenario, 0)) {
      return 'the worker returned the result of another run (strategy, seed or scenario differ)';
    }
  }
  return null;
}
