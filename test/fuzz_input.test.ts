/**
 * A seeded fuzz of scenario documents, --set overrides and command lines (issue 16): each
 * either is accepted or is refused with located one-line issues, never a stack trace, a hang,
 * a crash or a model failure. Documents are checked in-process (the loader is the library's);
 * a few command lines are spawned to hold the CLI to the same contract.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse_scenario, ScenarioError } from '../src/scenario/load.js';
import { parse_sweep } from '../src/sweep/sweep_file.js';

const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');
const SEED = 16;

const FIELDS = [
  'name', 'seed', 'machine.cpus', 'machine.memory', 'machine.tlb_entries', 'machine.cost.ipi_send_ns', 'swap.device', 'swap.size',
  'swap.queue_depth', 'swap.latency_ns', 'workload.kind', 'workload.threads', 'workload.region', 'workload.lazy_cpus', 'workload.baseline',
  'workload.pageout_access', 'workload.pageout_access_interval', 'pageout.cpu', 'pageout.size', 'pageout.chunk', 'stress.workers',
  'stress.bytes', 'stress.passes', 'stress.start_spread', 'memcg.max', 'reclaim.kswapd_cpu', 'reclaim.min_free_kbytes', 'machine.cpus.x',
  'bogus', '""', 'null', '~', '__proto__', 'machine.__proto__', '"\\e[2J"', 'machine..cpus',
];

const VALUES = [
  '0', '1', '2', '-1', '4', '255', '256', '1e99', '9007199254740991', '9007199254740993', '1.5', '.nan', '.inf', '""', '"\\e[2J"', '\u0007',
  '4KiB', '2MiB', '16MiB', '1TiB', '99999999999999999TiB', '1ns', '3601s', '1e9s', '10000000000000000000000000000000s', 'zram', 'stress',
  'madvise', 'write', 'none', 'whole', '*x', '&a 3', '!!omap [a: 1]', '!!set {a}', '!nope 1', '[1, 2', '{a: 1}', '[0, 1]', '"unclosed',
  '|\n  text', '? a', 'true', '~', '- 1', "'q", '%YAML 1.1',
];

/** A document: some field: value lines, nested by dotted path, sometimes cut or spliced. */
const document = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom(...VALUES)), { maxLength: 8 }),
    fc.option(fc.tuple(fc.nat(), fc.constantFrom('', ':', '\n', '  ', '&', '*', '!!', '"', '\t', '\0', '- ', '%YAML 1.1\n---\n', '42\n')), { nil: null }),
  )
  .map(([fields, splice]) => {
    let text = fields
      .map(([path, value]) => {
        const parts = path.split('.');
        return parts.map((part, depth) => `${'  '.repeat(depth)}${part}:${depth === parts.length - 1 ? ` ${value}` : ''}`).join('\n');
      })
      .join('\n');
    if (splice !== null) {
      const at = splice[0] % (text.length + 1);
      text = text.slice(0, at) + splice[1] + text.slice(at);
    }
    return `${text}\n`;
  });

const set_line = fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom(...VALUES)).map(([path, value]) => `${path.replaceAll('"', '')}=${value}`);

/** The contract for an issue list: one issue per line, each located, printable. */
function expect_located(message: string, file: string): void {
  for (const line of message.split('\n')) {
    if (/^and \d+ more issues$/.test(line)) continue;
    expect(line.startsWith(`${file}:`) ? line : line.startsWith('--set ') ? line : `unlocated: ${line}`).toMatch(new RegExp(`^(${file}:\\d+:\\d+ |--set )\\S`));
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
  }
}

function holds_contract(body: () => unknown, file: string): void {
  try {
    body();
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    expect_located(error.message, file);
  }
}

describe('fuzzed input (seeded)', () => {
  it('scenario documents with --set overrides: accepted or refused with located issues', () => {
    fc.assert(
      fc.property(document, fc.array(set_line, { maxLength: 2 }), (text, sets) => {
        holds_contract(() => parse_scenario(text, 'fuzz.yaml', sets), 'fuzz.yaml');
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('sweep documents: accepted or refused with located issues', () => {
    const entry = fc.tuple(
      fc.constantFrom('name', 'base', 'description', 'strategies', 'seeds', 'axes', 'set', 'bogus', '__proto__'),
      fc.option(fc.constantFrom('machine.cpus', 'swap.device', 'pageout.size', '__proto__', 'bogus', '""'), { nil: null }),
      fc.constantFrom(...VALUES, '[2, 4]', '[upstream, nope]', '[1, 1]', 'dirty-16m', '/', '/dev/zero', '[]'),
    );
    const sweep = fc.tuple(fc.array(entry, { maxLength: 6 }), fc.boolean()).map(([entries, with_base]) =>
      (with_base ? 'base: dirty-16m\n' : '') + entries.map(([key, sub, value]) => (sub === null ? `${key}: ${value}\n` : `${key}:\n  ${sub}: ${value}\n`)).join(''),
    );
    fc.assert(
      fc.property(sweep, (text) => {
        holds_contract(() => parse_sweep(text, '/tmp/fuzz.yaml'), '/tmp/fuzz.yaml');
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('command lines: exit 0 or 1 with a message, never a stack trace or a model failure', () => {
    const command = fc.oneof(
      fc.array(set_line, { minLength: 1, maxLength: 2 }).map((sets) => ['run', 'dirty-16m', '--set', 'pageout.size=2MiB', ...sets.flatMap((set) => ['--set', set])]),
      fc.tuple(fc.constantFrom('--seeds', '--strategies'), fc.constantFrom('0', ',', '', 'nope', '\x1b[2J', '1e99', 'upstream,,')).map(([flag, value]) => ['compare', 'dirty-16m', flag, value]),
      fc.tuple(fc.constantFrom('--runs', '--first-seed', '--strategies'), fc.constantFrom('0', '', '9007199254740991', '-1', 'x')).map(([flag, value]) => ['swarm', '--runs', '1', flag, value]),
      fc.constantFrom(['run', '/dev/zero'], ['run', '/'], ['run', 'dirty-16m', '--strategy', '/dev/null'], ['sweep', '/'], ['merge', '/', '--out', '/dev/null']),
    );
    for (const args of fc.sample(command, { seed: SEED, numRuns: 12 })) {
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
      const shown = `reclaimsim ${JSON.stringify(args)}: exit ${r.status}\n${r.stderr}`;
      expect([0, 1], shown).toContain(r.status);
      expect(r.stderr, shown).not.toMatch(/\n\s+at /);
      if (r.status === 1) expect(r.stderr.trim(), shown).not.toBe('');
      // eslint-disable-next-line no-control-regex
      expect(r.stderr.replace(/\r\x1b\[K/g, ''), shown).not.toMatch(/\x1b/);
    }
  });
});
