import { describe, expect, it } from 'vitest';
import { list_builtin_scenarios, load_scenario, parse_scenario, ScenarioError } from '../src/scenario/load.js';

function issues_of(text: string, sets: string[] = []): string[] {
  try {
    parse_scenario(text, 'bad.yaml', sets);
  } catch (error) {
    if (error instanceof ScenarioError) return error.message.split('\n');
    throw error;
  }
  return [];
}

describe('scenario validation', () => {
  it('names file:line:col, the field path, the value and what is allowed', () => {
    const text = ['machine:', '  cpus: 512', 'swap:', '  device: floppy', 'pageout:', '  size: 3KiB'].join('\n');
    const issues = issues_of(text);
    expect(issues).toContainEqual(expect.stringMatching(/^bad\.yaml:2:9 machine\.cpus: .*<=256.*\(got 512\)$/));
    expect(issues).toContainEqual(expect.stringMatching(/^bad\.yaml:4:11 swap\.device: .*"nvme"\|"ssd"\|"hdd"\|"zram".*\(got floppy\)$/));
    expect(issues).toContainEqual(expect.stringMatching(/^bad\.yaml:6:9 pageout\.size: .*multiple of 4KiB.*\(got 3KiB\)$/));
  });

  it('rejects unknown fields and says which', () => {
    expect(issues_of('machine:\n  cpu: 4\n')).toContainEqual(expect.stringMatching(/machine: unknown field\(s\) cpu/));
  });

  it('checks fields against each other', () => {
    expect(issues_of('machine: { cpus: 2 }\nworkload: { threads: 2 }\n')).toContainEqual(expect.stringMatching(/workload\.threads: at most machine\.cpus - 1/));
    expect(issues_of('machine: { cpus: 4 }\nworkload: { threads: 1, lazy_cpus: [1] }\n')).toContainEqual(expect.stringMatching(/workload\.lazy_cpus\.0:/));
  });

  it('reports --set overrides as such', () => {
    expect(issues_of('name: x\n', ['machine.cpus=0'])).toContainEqual(expect.stringMatching(/^--set machine\.cpus=0 machine\.cpus: /));
    expect(issues_of('name: x\n', ['nonsense'])).toContainEqual(expect.stringMatching(/expected path=value/));
  });

  it('reports YAML syntax errors with their position', () => {
    expect(issues_of('machine: {cpus: 4\n')[0]).toMatch(/^bad\.yaml:\d+:\d+ .*YAML/);
  });

  it('fills defaults and parses units', () => {
    const s = parse_scenario('pageout: { size: 2MiB, chunk: 1MiB }\nworkload: { baseline: 20us }\n', 'ok.yaml');
    expect(s.pageout.size).toBe(2 * 1024 * 1024);
    expect(s.pageout.chunk).toBe(1024 * 1024);
    expect(s.workload.baseline).toBe(20_000);
    expect(s.machine.cpus).toBe(4);
  });

  it('loads every built-in scenario', () => {
    const names = list_builtin_scenarios().map((s) => s.name);
    expect(names).toContain('madv-pageout');
    for (const name of names) expect(load_scenario(name).name).toBe(name);
  });
});

describe('README', () => {
  it('lists every cost parameter with its default', async () => {
    const { readFileSync } = await import('node:fs');
    const { COST_PARAMS } = await import('../src/hw/cost_model.js');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [name, param] of Object.entries(COST_PARAMS)) expect(readme).toContain(`| \`${name}\` | ${param.default_ns} |`);
  });
});
