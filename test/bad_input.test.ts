/**
 * Bad input (issue 16): every class of hostile scenario, sweep file, --set and strategy module
 * that once crashed, hung, ran away or was silently misread is refused with a located,
 * one-line-per-issue message, or runs sanely.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run_scenario } from '../src/run/run_scenario.js';
import { load_strategy_module, StrategyModuleError } from '../src/run/strategy_module.js';
import { load_scenario, parse_scenario, ScenarioError } from '../src/scenario/load.js';
import { parse_sweep, read_sweep_file } from '../src/sweep/sweep_file.js';
import { expand_grid } from '../src/sweep/grid.js';

const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The message of the ScenarioError `body` throws (it must throw one). */
function refusal(body: () => unknown): string {
  try {
    body();
  } catch (error) {
    if (error instanceof ScenarioError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

const scenario = (text: string, sets: string[] = []) => refusal(() => parse_scenario(text, 's.yaml', sets));
const temp = () => mkdtempSync(join(tmpdir(), 'reclaimsim-bad-'));

describe('YAML that is not plain data', () => {
  it('refuses an alias without an anchor, at the alias', () => {
    expect(scenario('name: a\ndescription: *x\n')).toBe('s.yaml:2:14 (scenario): YAML: the alias *x has no anchor &x before it');
  });

  it('refuses a billion laughs at its first alias, without expanding it', () => {
    let text = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'h']]) {
      text += `${name}: &${name} [${Array(9).fill(`*${prev as string}`).join(', ')}]\n`;
    }
    expect(scenario(`${text}name: *h\n`)).toMatch(/^s\.yaml:2:\d+ \(scenario\): YAML: the aliases expand to too many nodes/);
  });

  it('refuses !!omap, !!set, !!pairs and custom tags instead of reading them as empty', () => {
    expect(scenario('machine: !!omap\n  - cpus: 8\n')).toBe('s.yaml:2:3 (scenario): YAML: the tag !!omap is not supported: write plain maps, lists and values');
    expect(scenario('machine: !!set\n  ? cpus\n')).toMatch(/^s\.yaml:2:3 .*the tag !!set/);
    expect(scenario('machine: !!pairs\n  - cpus: 8\n')).toMatch(/the tag !!pairs/);
    expect(scenario('machine:\n  cpus: !nope 8\n')).toMatch(/^s\.yaml:2:15 .*the tag !nope/);
  });

  it('refuses a %YAML 1.1 document rather than ignoring --set into it', () => {
    expect(scenario('%YAML 1.1\n---\nname: a\n', ['machine.cpus=2'])).toMatch(/^s\.yaml:1:1 \(scenario\): a %YAML 1\.1 document: reclaimsim reads YAML 1\.2/);
  });

  it('refuses a document that is not a map, with or without --set', () => {
    expect(scenario('42\n')).toBe('s.yaml:1:1 (scenario): a scenario is a map of fields (name: value), not number');
    expect(scenario('42\n', ['machine.cpus=2'])).toMatch(/not number/);
    expect(scenario('- a\n')).toMatch(/not a list/);
    expect(parse_scenario('', 's.yaml').machine.cpus).toBe(4);
  });

  it('locates syntax errors and duplicate keys at their line and column', () => {
    expect(scenario('name: a\nmachine:\n  cpus: 4\n  cpus: 5\n')).toBe('s.yaml:4:3 (scenario): YAML: the key "cpus" appears twice in this map');
    expect(scenario('name: a\nmachine: [1\n')).toMatch(/^s\.yaml:[23]:\d+ \(scenario\): YAML: /);
    expect(scenario('name: a\n  bad: 1\n')).toMatch(/^s\.yaml:1:7 \(scenario\): YAML: Nested mappings are not allowed in compact mappings\n/);
  });

  it('names an unknown field with an empty name, quoted, at its key', () => {
    expect(scenario('name: a\nnull: 1\n')).toMatch(/^s\.yaml:2:1 \(scenario\): unknown field\(s\) "" \(fields: name, description/);
    expect(scenario('~: 1\n')).toMatch(/unknown field\(s\) ""/);
    expect(scenario('"": 1\n')).toMatch(/unknown field\(s\) ""/);
  });

  it('escapes control characters from the input', () => {
    const message = scenario('name: a\n"bogus\\e[2J": 1\n');
    expect(message).not.toContain('\x1b');
    expect(message).toContain('bogus\\u001b[2J');
    expect(refusal(() => parse_scenario('machine:\n  cpus: "\x1b[2J"\n', 's.yaml'))).toContain('(got \\x1b[2J)');
  });

  it('rejects a file of 40,000 keys with a bounded message', () => {
    const text = Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}\n`).join('');
    const message = scenario(text);
    expect(message).toMatch(/^s\.yaml:1:1 \(scenario\): unknown field\(s\) k0, k1, k2, k3, k4 and 39995 more \(fields: /);
    expect(message.length).toBeLessThan(500);
  });

  it('lists at most 20 issues', () => {
    const text = Array.from({ length: 30 }, (_, i) => `k${i}: 1\nk${i}: 2\n`).join('');
    const lines = scenario(text).split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('and 10 more issues');
  });
});

describe('--set', () => {
  it('refuses a path through a value', () => {
    expect(refusal(() => load_scenario('dirty-16m', ['machine.cpus.x=1']))).toBe('--set machine.cpus.x=1 machine.cpus.x: machine.cpus holds a value, not a section of fields');
  });

  it('refuses a YAML error or an alias inside a value instead of reading part of it', () => {
    expect(refusal(() => load_scenario('dirty-16m', ['name="unclosed']))).toMatch(/^--set name="unclosed name: YAML: Missing closing "quote/);
    expect(refusal(() => load_scenario('dirty-16m', ['name=*x']))).toBe('--set name=*x name: YAML: the alias *x has no anchor &x before it');
    expect(refusal(() => load_scenario('dirty-16m', ['name=!!set {a}']))).toMatch(/the tag !!set/);
  });

  it('blames an unknown field on the --set that wrote it', () => {
    expect(refusal(() => load_scenario('dirty-16m', ['bogus=1']))).toMatch(/^--set bogus=1 \(scenario\): unknown field\(s\) bogus \(fields: name/);
    expect(refusal(() => load_scenario('dirty-16m', ['__proto__.x=1']))).toMatch(/^--set __proto__\.x=1 /);
    expect(refusal(() => load_scenario('dirty-16m', ['machine..cpus=1']))).toMatch(/expected path=value/);
  });
});

describe('upper bounds: what the model can hold', () => {
  const bounded = (set: string, expected: RegExp) => expect(refusal(() => load_scenario('dirty-16m', [set]))).toMatch(expected);

  it('refuses costs, device values and counts beyond their bounds', () => {
    bounded('machine.cost.ipi_send_ns=9007199254740991', /machine\.cost\.ipi_send_ns: Too big: expected number to be <=1000000000/);
    bounded('swap.queue_depth=1000000000', /swap\.queue_depth: Too big: expected number to be <=65536/);
    bounded('swap.latency_ns=1e15', /<=1000000000/);
    bounded('machine.tlb_entries=1e9', /<=65536/);
  });

  it('refuses memory and swap the model cannot hold', () => {
    bounded('machine.memory=1TiB', /machine\.memory: a positive multiple of 4KiB, at most 64GiB \(got 1TiB\)/);
    bounded('swap.size=1TiB', /swap\.size: a positive multiple of 4KiB, at most 256GiB/);
    expect(refusal(() => load_scenario('stress-memcg', ['stress.bytes=64GiB', 'stress.workers=4', 'machine.cpus=8', 'machine.memory=64GiB']))).toMatch(/stress\.bytes: workers x bytes is over 128GiB/);
  });

  it('refuses durations beyond the one hour the model simulates', () => {
    bounded('workload.baseline=10000000000000000000000000000000s', /workload\.baseline: at most 3600s/);
    expect(refusal(() => load_scenario('stress-memcg', ['stress.start_spread=9007199254740991']))).toMatch(/stress\.start_spread: at most 3600s/);
  });

  it('runs no cross-field check on a value out of range (workload.threads=1e99 built a list of 1e99 CPUs)', () => {
    const message = refusal(() => load_scenario('dirty-16m', ['workload.threads=1e99']));
    expect(message).toMatch(/workload\.threads: Too big/);
    expect(message).not.toMatch(/machine\.cpus - 1/);
  });
});

describe('files that are not files', () => {
  it('refuses a directory as a scenario, a sweep file or a sweep base', () => {
    const dir = temp();
    expect(refusal(() => load_scenario(dir))).toBe(`${dir} (scenario): is a directory, not a scenario file`);
    expect(refusal(() => read_sweep_file(dir))).toBe(`${dir} (sweep): is a directory, not a sweep file`);
    mkdirSync(join(dir, 'base.yaml'));
    expect(refusal(() => parse_sweep('base: base.yaml\n', join(dir, 'sweep.yaml')))).toMatch(/sweep\.yaml:1:7 base: .*base\.yaml is a directory, not a scenario file/);
  });

  it('reads at most 1 MiB of a scenario or sweep file (/dev/zero)', () => {
    expect(refusal(() => load_scenario('/dev/zero'))).toBe('/dev/zero (scenario): larger than 1048576 bytes: not a scenario file');
    expect(refusal(() => read_sweep_file('/dev/zero'))).toMatch(/larger than 1048576 bytes: not a sweep file/);
  });
});

describe('sweep files', () => {
  it('refuses an axis named __proto__ instead of dropping it', () => {
    expect(refusal(() => parse_sweep('base: dirty-16m\naxes:\n  __proto__: [1]\n', 'w.yaml'))).toBe('w.yaml:3:3 (sweep): YAML: "__proto__" cannot be a field name');
  });

  it('refuses aliases and tags as scenario files do', () => {
    expect(refusal(() => parse_sweep('base: dirty-16m\nname: *x\n', 'w.yaml'))).toBe('w.yaml:2:7 (sweep): YAML: the alias *x has no anchor &x before it');
    expect(refusal(() => parse_sweep('base: dirty-16m\naxes: !!omap\n  - machine.cpus: [2]\n', 'w.yaml'))).toMatch(/the tag !!omap/);
  });

  it('rejects a sweep file of 40,000 keys with a bounded message', () => {
    const text = `base: dirty-16m\n${Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}\n`).join('')}`;
    expect(refusal(() => parse_sweep(text, 'w.yaml'))).toBe('w.yaml:1:1 (sweep): unknown field(s) k0, k1, k2, k3, k4 and 39995 more (fields: name, description, base, set, axes, strategies, seeds)');
  });

  it('lists at most 20 issues of a grid, counting the rest once', () => {
    const values = Array.from({ length: 30 }, (_, i) => 300 + i);
    const lines = refusal(() => expand_grid(parse_sweep(`base: dirty-16m\naxes:\n  machine.cpus: [${values.join(', ')}]\n`, 'w.yaml'))).split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('and 10 more issues');
  });

  it('expands a string axis value that YAML would read as an alias', () => {
    const runs = expand_grid(parse_sweep('base: dirty-16m\naxes:\n  name: ["*x", "a"]\n', 'w.yaml'));
    expect(runs.map((run) => run.scenario.name)).toEqual(['*x', 'a']);
  });
});

describe('user strategies that throw', () => {
  const dir = temp();
  const module = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };
  const hooks = (dirty: string) => `export default { name: 't', description: '', *dirty_folio(ctx, pfn) { ${dirty} }, *after_main_loop() {} };\n`;

  for (const [what, statement, shown] of [
    ['an Error', 'throw new Error("boom");', 'threw Error: boom'],
    ['a string', 'throw "str";', 'threw a non-Error value: str'],
    ['undefined', 'throw undefined;', 'threw a non-Error value: undefined'],
    ['a TypeError of its own', 'null.x;', 'threw TypeError: Cannot read properties of null'],
  ] as const) {
    it(`blames the module, not the model, for ${what}`, async () => {
      const file = module(`${what.replaceAll(' ', '_')}.mjs`, hooks(statement));
      const strategy = await load_strategy_module(file);
      const run = () => run_scenario(load_scenario('dirty-16m'), { strategy });
      expect(run).toThrow(StrategyModuleError);
      expect(run).toThrow(`${file}: strategy t: dirty_folio ${shown}`);
    });
  }

  it('blames the module for a throwing getter and a rejected import', async () => {
    const getter = module('getter.mjs', "export default { name: 't', get description() { throw new Error('getter'); }, *dirty_folio() {}, *after_main_loop() {} };\n");
    await expect(load_strategy_module(getter)).rejects.toThrow(`${getter}: reading its strategy threw Error: getter`);
    const rejected = module('rejected.mjs', 'await Promise.reject("nope");\nexport default {};\n');
    await expect(load_strategy_module(rejected)).rejects.toThrow(`${rejected}: cannot load the module: a non-Error value: nope`);
    await expect(load_strategy_module('/dev/zero')).rejects.toThrow('/dev/zero: not a strategy module (not a regular file)');
  });
});

describe('the CLI on bad input (built dist/)', () => {
  it('exits 1 naming the user module that threw', () => {
    const dir = temp();
    const file = join(dir, 's.mjs');
    writeFileSync(file, "export default { name: 't', description: '', *dirty_folio() { throw 'str'; }, *after_main_loop() {} };\n");
    const r = cli('run', 'dirty-16m', '--strategy', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`reclaimsim: ${file}: strategy t: dirty_folio threw a non-Error value: str\n`);
  });

  it('exits 1 naming an output it cannot write (ENOSPC carries no path)', () => {
    const r = cli('run', 'dirty-16m', '--json', '/dev/full');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('reclaimsim: cannot write /dev/full: ENOSPC: no space left on device, write\n');
  });

  it('names the trace file or the sweep report it cannot write', () => {
    const trace = cli('run', 'dirty-16m', '--set', 'pageout.size=2MiB', '--trace', '/dev/full');
    expect(trace.status).toBe(1);
    expect(trace.stderr).toBe('reclaimsim: cannot write /dev/full: ENOSPC: no space left on device, write\n');
    const dir = temp();
    writeFileSync(join(dir, 'w.yaml'), 'base: dirty-16m\nset:\n  pageout.size: 2MiB\n');
    const sweep = spawnSync(process.execPath, [CLI, 'sweep', 'w.yaml', '--workers', '1', '--report', '/dev/full'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(sweep.status).toBe(1);
    expect(sweep.stderr).toBe('reclaimsim: cannot write the report /dev/full: ENOSPC: no space left on device, write\n');
  });

  it('refuses empty strategy lists and a first seed whose last seed is past 2^53', () => {
    expect(cli('compare', 'dirty-16m', '--strategies', ',').stderr).toMatch(/^reclaimsim: --strategies: give at least one strategy/);
    expect(cli('swarm', '--strategies', '').stderr).toMatch(/^reclaimsim: --strategies: give at least one strategy/);
    const r = cli('swarm', '--first-seed', '9007199254740991');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('reclaimsim: --first-seed 9007199254740991 with --runs 1000: the last seed would be past 9007199254740991\n');
  });

  it('reports a run past the event bound as a usage error with the command, not a crash', () => {
    const r = cli('run', 'dirty-16m', '--set', 'pageout.size=2MiB', '--set', 'workload.pageout_access=write', '--set', 'workload.pageout_access_interval=1');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^reclaimsim: the run went past the model's bounds: more than \d+ events/);
  });

  it('escapes control characters it echoes', () => {
    const r = cli('run', 'dirty-16m', '--strategy', '\x1b[2J');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('"\\x1b[2J"');
    expect(r.stderr).not.toContain('\x1b');
  });
});
