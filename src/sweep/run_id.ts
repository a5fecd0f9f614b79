import { createHash } from 'node:crypto';
import { stable_json } from '../run/result.js';
import type { Scenario } from '../scenario/schema.js';

/**
 * The stable id of a run: sha256, in hex, of its resolved scenario, strategy and seed as
 * stable JSON. Equal runs get equal ids wherever and whenever they are expanded, which is what
 * resume, shard merging and idempotent queue jobs key on; hex has no ':', which BullMQ job
 * ids may not contain.
 */
export function run_id(scenario: Scenario, strategy: string, seed: number): string {
  return createHash('sha256').update(stable_json({ scenario, strategy, seed }, 0)).digest('hex');
}
