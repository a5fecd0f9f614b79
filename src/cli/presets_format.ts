import { COST_PARAMS, MACHINE_PRESETS, type MachinePreset } from '../index.js';

/** `reclaimsim presets`: each preset, its machine fields and cost overrides, and the source of each value. */
export function format_presets(): string {
  const lines: string[] = [];
  for (const [name, preset] of Object.entries(MACHINE_PRESETS) as [string, MachinePreset][]) {
    const m = preset.machine;
    lines.push(`${name}: ${preset.description}`);
    const field = (key: string, value: unknown, source_key = key): void => {
      lines.push(`  ${key} = ${String(value)}`.padEnd(40) + `  ${preset.sources[source_key] ?? 'the model default'}`);
    };
    field('cpus', m.cpus);
    field('sockets', m.sockets);
    field('arch', m.arch);
    field('tlb_entries', m.tlb_entries);
    if (m.kvm_preempt_pct !== undefined) field('kvm_preempt_pct', m.kvm_preempt_pct);
    for (const [cost, ns] of Object.entries(m.cost)) field(`cost.${cost}`, `${ns} ns`, cost);
    // Costs the preset leaves at the default but whose default matters on its architecture.
    for (const [key, source] of Object.entries(preset.sources)) {
      if (key in COST_PARAMS && !(key in m.cost)) lines.push(`  cost.${key} = ${COST_PARAMS[key as keyof typeof COST_PARAMS].default_ns} ns (default)`.padEnd(40) + `  ${source}`);
    }
    lines.push('');
  }
  lines.push('Use: reclaimsim run|compare <scenario> --preset NAME, or machine.preset: NAME in a scenario.');
  return `${lines.join('\n')}\n`;
}
