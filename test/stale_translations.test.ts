import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StaleTranslations } from '../src/oracle/stale_translations.js';

type Op = { kind: 'set'; pfn: number; vpn: number } | { kind: 'delete'; pfn: number } | { kind: 'sweep'; keep_odd_vpn: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), pfn: fc.integer({ min: 0, max: 15 }), vpn: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('delete' as const), pfn: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ kind: fc.constant('sweep' as const), keep_odd_vpn: fc.boolean() }),
);

describe('StaleTranslations', () => {
  it('holds what a Map of entries would hold, through sets, deletes and sweeps', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const stale = new StaleTranslations(16, () => 10);
        const model = new Map<number, number>();
        let event = 0;
        for (const o of ops) {
          if (o.kind === 'set') {
            stale.set(o.pfn, 1, o.vpn, true, 0, ++event);
            model.set(o.pfn, o.vpn);
          } else if (o.kind === 'delete') {
            stale.delete(o.pfn);
            model.delete(o.pfn);
          } else {
            const keep = (vpn: number): boolean => (vpn % 2 === 1) === o.keep_odd_vpn;
            stale.sweep((pfn) => keep(stale.vpn[pfn] as number));
            for (const [pfn, vpn] of model) if (!keep(vpn)) model.delete(pfn);
          }
          expect(stale.size).toBe(model.size);
        }
        // Every entry is found through its page, and only there.
        const listed: [number, number][] = [];
        for (let vpn = 0; vpn < 10; vpn++) stale.for_each_on_page(1, vpn, (pfn) => listed.push([pfn, vpn]));
        expect(listed.sort((a, b) => a[0] - b[0])).toEqual([...model].sort((a, b) => a[0] - b[0]));
        for (let pfn = 0; pfn < 16; pfn++) expect(stale.has(pfn)).toBe(model.has(pfn));
      }),
    );
  });
});
