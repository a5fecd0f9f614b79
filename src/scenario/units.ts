/**
 * Quantities with units in scenario files: sizes ("64B", "4KiB", "2GiB", or a byte count) and
 * durations ("500ns", "20us", "2ms", "1s", or a nanosecond count). Binary prefixes only for
 * sizes, as the kernel's documentation uses them.
 */
const SIZE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };
const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB)$/;
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ns|us|ms|s)$/;

/** Bytes of a size string or number; NaN when it is neither. */
export function parse_size(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = SIZE_PATTERN.exec(value.trim());
  if (match === null) return NaN;
  return Math.round(Number(match[1]) * (SIZE_UNITS[match[2] as string] as number));
}

/** Nanoseconds of a duration string or number; NaN when it is neither. */
export function parse_duration_ns(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = DURATION_PATTERN.exec(value.trim());
  if (match === null) return NaN;
  return Math.round(Number(match[1]) * (DURATION_UNITS[match[2] as string] as number));
}

/** A byte count in the largest binary unit that divides it, for summaries. */
export function format_size(bytes: number): string {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB']) {
    const scale = SIZE_UNITS[unit] as number;
    if (bytes >= scale && bytes % scale === 0) return `${bytes / scale}${unit}`;
  }
  return `${bytes}B`;
}
