import { scenario_schema } from '../scenario/schema.js';

/** The parts of a zod schema node this walk reads (zod 4 keeps them on `_zod.def`). */
interface SchemaDef {
  type: string;
  innerType?: { _zod: { def: SchemaDef } };
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
}

function unwrap(def: SchemaDef): SchemaDef {
  let d = def;
  while (d.innerType !== undefined) d = d.innerType._zod.def;
  return d;
}

/**
 * Whether a dotted path names a field of the scenario schema (`machine.cpus`,
 * `machine.cost.ipi_send_ns`). The scenario loader would report an unknown field against the
 * base scenario's file; checking axis and `set:` paths first lets the sweep point at its own line.
 */
export function is_scenario_field(path: string): boolean {
  let def = unwrap((scenario_schema as unknown as { _zod: { def: SchemaDef } })._zod.def);
  for (const part of path.split('.')) {
    const field = def.type === 'object' ? def.shape?.[part] : undefined;
    if (field === undefined || !Object.hasOwn(def.shape ?? {}, part)) return false;
    def = unwrap(field._zod.def);
  }
  return path.length > 0;
}
