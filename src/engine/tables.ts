/**
 * The typed arrays behind a run's tables (folios, swap slots, page tables, the oracle's
 * shadows), recycled from one run to the next in the same thread.
 *
 * A run's tables are sized by the machine's memory, not by what the run touches: a 1 GiB
 * machine takes ~30 MB of them. Allocated anew for every run, that external memory made V8 run
 * a major collection after nearly every run of a sweep, mostly on the collector's threads:
 * the same 256 MiB pageouts took 14 % more CPU on a 1 GiB machine than on a 320 MiB one.
 * Inside `with_recycled_tables`, `table` hands out arrays the last run gave back (zero-filled,
 * as new ones are) and takes back the run's own when it ends.
 * Only the last run's arrays are kept, and only weakly: the collector may free them (a
 * caller's own major collections will), so a finished run costs nothing to keep.
 */

type TableArray = Uint8Array | Int32Array | Uint32Array | Float64Array;

interface TableConstructor<T extends TableArray> {
  new (length: number): T;
}

/** Arrays given back by the last run, by constructor and length. */
let spare = new Map<TableConstructor<TableArray>, Map<number, WeakRef<TableArray>[]>>();
/** Arrays handed out to the run in progress, or null outside `with_recycled_tables`. */
let lent: [TableConstructor<TableArray>, TableArray][] | null = null;

/** A zero-filled typed array of `length` elements for a table of the run in progress. */
export function table<T extends TableArray>(type: TableConstructor<T>, length: number): T {
  if (lent === null) return new type(length);
  const candidates = spare.get(type)?.get(length);
  let reused: T | undefined;
  while (reused === undefined && candidates !== undefined && candidates.length > 0) reused = candidates.pop()?.deref() as T | undefined;
  const array = reused ?? new type(length);
  if (reused !== undefined) array.fill(0);
  lent.push([type, array]);
  return array;
}

/**
 * Runs `run` with its tables recycled: they come from the previous run's where sizes match,
 * and go back when it returns or throws. Nothing may keep a reference to the run's tables
 * after it (its results must be copies).
 */
export function with_recycled_tables<R>(run: () => R): R {
  if (lent !== null) return run();
  lent = [];
  try {
    return run();
  } finally {
    const returned = new Map<TableConstructor<TableArray>, Map<number, WeakRef<TableArray>[]>>();
    for (const [type, array] of lent) {
      let by_length = returned.get(type);
      if (by_length === undefined) returned.set(type, (by_length = new Map<number, WeakRef<TableArray>[]>()));
      let arrays = by_length.get(array.length);
      if (arrays === undefined) by_length.set(array.length, (arrays = []));
      arrays.push(new WeakRef(array));
    }
    spare = returned;
    lent = null;
  }
}
