import { scenario_schema } from './schema.js';

/** The parts of a zod schema node this walk reads (zod 4 keeps them on `_zod.def`). */
interface SchemaDef {
  type: string;
  innerType?: { _zod: { def: SchemaDef } };
  in?: { _zod: { def: SchemaDef } };
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
}

function unwrap(def: SchemaDef): SchemaDef {
  let d = def;
  for (;;) {
    if (d.innerType !== undefined) d = d.innerType._zod.def;
    else if (d.type === 'pipe' && d.in !== undefined) d = d.in._zod.def;
    else return d;
  }
}

/** The field names of the scenario section at `path` (the top level for []), for messages; null if it is not a section. */
export function scenario_fields_at(path: readonly (string | number)[]): string[] | null {
  let def = unwrap((scenario_schema as unknown as { _zod: { def: SchemaDef } })._zod.def);
  for (const part of path) {
    const field = def.type === 'object' && Object.hasOwn(def.shape ?? {}, part) ? def.shape?.[part] : undefined;
    if (field === undefined) return null;
    def = unwrap(field._zod.def);
  }
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : null;
}
