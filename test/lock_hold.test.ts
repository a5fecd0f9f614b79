/** Folio lock hold percentiles are real percentiles (HDR histogram, 3 digits), not power-of-two bucket bounds. */
import { describe, expect, it } from 'vitest';
import { LockHoldHistogram } from '../src/oracle/lock_hold.js';

describe('lock hold histogram', () => {
  it('reports percentiles within 0.1 % of the recorded values, never above the maximum', () => {
    const h = new LockHoldHistogram();
    for (let ns = 1; ns <= 1000; ns++) h.record(ns * 10);
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(Math.abs(s.p50_ns - 5000) / 5000).toBeLessThan(0.001);
    expect(Math.abs(s.p99_ns - 9900) / 9900).toBeLessThan(0.001);
    expect(s.max_ns).toBe(10_000);
  });

  it('keeps a single value exact', () => {
    const h = new LockHoldHistogram();
    for (let i = 0; i < 10; i++) h.record(3070);
    expect(h.summary()).toEqual({ count: 10, p50_ns: 3070, p99_ns: 3070, max_ns: 3070 });
    expect(new LockHoldHistogram().summary()).toEqual({ count: 0, p50_ns: 0, p99_ns: 0, max_ns: 0 });
  });
});
