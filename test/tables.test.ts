import { describe, expect, it } from 'vitest';
import { table, with_recycled_tables } from '../src/engine/tables.js';

describe('recycled tables', () => {
  it('hand a run the arrays of the last one, of the same type and length, zero-filled', () => {
    const first = with_recycled_tables(() => {
      const a = table(Int32Array, 8).fill(7);
      table(Float64Array, 8).fill(1);
      return a;
    });
    with_recycled_tables(() => {
      const again = table(Int32Array, 8);
      expect(again).toBe(first);
      expect([...again]).toEqual(new Array(8).fill(0));
      expect(table(Int32Array, 8)).not.toBe(first);
      expect(table(Uint32Array, 8)).toBeInstanceOf(Uint32Array);
      expect(table(Int32Array, 9)).toHaveLength(9);
    });
  });

  it('are new arrays outside a run that recycles', () => {
    const lent = with_recycled_tables(() => table(Uint8Array, 4));
    expect(table(Uint8Array, 4)).not.toBe(lent);
  });
});
