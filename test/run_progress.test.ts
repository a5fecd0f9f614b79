/** The terminal progress bar measures what the run does: pages paged out, or a stress run's time. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunProgress } from '../src/cli/run_progress.js';
import { load_scenario } from '../src/scenario/load.js';

function drawn(scenario: string, sets: string[] = []): string {
  let out = '';
  const stream = { write: (text: string) => ((out += text), true) } as unknown as NodeJS.WriteStream;
  const progress = new RunProgress(stream, load_scenario(scenario, sets), 'upstream, seed 1');
  vi.advanceTimersByTime(2000);
  for (let i = 0; i < 4096; i++) progress.write_folio(0, 5_000_000 + i);
  return out;
}

describe('run progress', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('measures a pageout against the pages it pages out', () => {
    expect(drawn('dirty-16m')).toMatch(/\] upstream, seed 1: 8 of 16 MiB written/);
  });

  it('does not measure a stress run against the pageout.size it ignores', () => {
    const line = drawn('stress-memcg');
    expect(line).toContain('8 MiB written to swap');
    expect(line).not.toMatch(/ of \d+ MiB/);
    expect(line).not.toMatch(/\[[#.]+\]/);
  });

  it('measures a stress run with a duration against that duration', () => {
    expect(drawn('stress-memcg', ['stress.duration=10ms'])).toMatch(/\[#+\.*\] .*5\.0 of 10 ms simulated/);
  });
});
