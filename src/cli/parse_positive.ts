import { InvalidArgumentError } from 'commander';

/** A command-line count that must be at least 1 (workers, runs, milliseconds). */
export function parse_positive(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('a positive integer');
  return Number(value);
}
