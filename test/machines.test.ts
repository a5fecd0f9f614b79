/**
 * Sockets and machine presets (issue 11): a flush round costs more across sockets, the
 * counts stay; a preset fills the machine and the more specific source wins.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COST_PARAMS } from '../src/hw/cost_model.js';
import { MACHINE_PRESETS, PRESET_NAMES } from '../src/hw/presets.js';
import { load_scenario, parse_scenario } from '../src/scenario/load.js';
import { PAGE_SIZE, PTRS_PER_PTE, run_builtin } from './helpers.js';

const P = (16 * 1024 * 1024) / PAGE_SIZE;
const N = P / PTRS_PER_PTE;
const CROSS = COST_PARAMS.cross_socket_ns.default_ns;
const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');

describe('machine.sockets', () => {
  it('keeps every count and makes each of the P + N - 1 rounds wait 2 x cross_socket_ns longer for the far target', () => {
    // CPUs 0-1 on socket 0, 2-3 on socket 1. CPU 3 is the last target of every round and the
    // slowest on both layouts; on two sockets its IPI arrives cross_socket_ns later and its
    // acknowledgement reaches the spinning initiator cross_socket_ns later (C8: the sender
    // waits for the slowest target).
    const sets = ['machine.cpus=4', 'workload.threads=3'];
    const one = run_builtin('dirty-16m', sets);
    const two = run_builtin('dirty-16m', [...sets, 'machine.sockets=2']);
    expect(two.interrupts).toEqual(one.interrupts);
    expect(two.interrupts.TLB).toEqual([0, P + N - 1, P + N - 1, P + N - 1]);
    expect((two.vmstat.sim_ipi_wait_ns as number) - (one.vmstat.sim_ipi_wait_ns as number)).toBe((P + N - 1) * 2 * CROSS);
  });

  it('makes each arm64 DSB cross the interconnect and back once more per extra socket', () => {
    const one = run_builtin('dirty-16m', ['machine.arch=arm64']);
    const two = run_builtin('dirty-16m', ['machine.arch=arm64', 'machine.sockets=2']);
    expect((two.vmstat.sim_ipi_wait_ns as number) - (one.vmstat.sim_ipi_wait_ns as number)).toBe((P + N - 1) * 2 * CROSS);
  });

  it('rejects a layout that does not split the CPUs evenly, with the allowed values', () => {
    expect(() => load_scenario('dirty-16m', ['machine.cpus=6', 'machine.sockets=4'])).toThrow(
      /--set machine\.sockets=4 machine\.sockets: must split machine\.cpus \(6\) evenly: one of 1, 2, 3, 6/,
    );
  });
});

describe('machine.preset', () => {
  it('fills the machine from the preset; fields written beside it win', () => {
    const s = parse_scenario('machine:\n  preset: sd888-phone\n  cpus: 4\n', 'p.yaml');
    expect(s.machine).toMatchObject({ preset: 'sd888-phone', cpus: 4, sockets: 1, arch: 'arm64', tlb_entries: 1024 });
  });

  it('lets --preset replace the file\'s machine fields, and --set replace the preset\'s', () => {
    const s = load_scenario('madv-pageout', ['machine.preset=xeon-2s', 'machine.cost.cross_socket_ns=70']);
    expect(s.machine).toMatchObject({ cpus: 80, sockets: 2, arch: 'x86', cost: { cross_socket_ns: 70 } });
    expect(load_scenario('madv-pageout', ['machine.preset=xeon-2s', 'machine.cpus=40']).machine.cpus).toBe(40);
  });

  it('has a source or an estimate mark for every value each preset sets', () => {
    for (const name of PRESET_NAMES) {
      const preset = MACHINE_PRESETS[name];
      const keys = [...Object.keys(preset.machine).filter((k) => k !== 'cost'), ...Object.keys(preset.machine.cost)];
      for (const key of keys) expect((preset.sources as Record<string, string>)[key], `${name}.${key}`).toBeTruthy();
    }
  });

  it('rejects an unknown preset naming the allowed ones; `reclaimsim presets` lists them', () => {
    expect(() => load_scenario('dirty-16m', ['machine.preset=cray-1'])).toThrow(/machine\.preset: Invalid option: expected one of "milan-2s"\|"xeon-2s"/);
    const bad = spawnSync(process.execPath, [CLI, 'run', 'dirty-16m', '--preset', 'cray-1'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/machine\.preset: .*"sd888-phone"/);
    const list = spawnSync(process.execPath, [CLI, 'presets'], { encoding: 'utf8' });
    for (const name of PRESET_NAMES) expect(list.stdout).toContain(`${name}: `);
  });
});
