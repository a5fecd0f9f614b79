/**
 * A sweep cannot go on for a reason the user can act on (a result file locked by another
 * process or damaged, Redis out of reach, a failing query): the CLI prints the message
 * alone, without a stack trace, and exits 1.
 */
export class SweepError extends Error {
  readonly code = 'SIM_SWEEP';

  constructor(message: string) {
    super(message);
    this.name = 'SweepError';
  }
}
