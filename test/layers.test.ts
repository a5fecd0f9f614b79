/**
 * DESIGN.md section 1: layers depend in one direction only. Every relative import in src/
 * must go to the same layer or one below it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');

/** Rank of each layer: a module may import only from layers of lower or equal rank. */
const RANK: Record<string, number> = {
  engine: 0,
  hw: 1,
  mm: 2,
  block: 3,
  reclaim: 4,
  workload: 5,
  scenario: 5,
  oracle: 6,
  metrics: 6,
  run: 7,
  report: 8,
  sweep: 8,
  kernel_check: 8,
  review: 8.5,
  'index.ts': 9,
  cli: 10,
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function layer_of(file: string): string {
  return relative(SRC, file).split('/')[0] as string;
}

describe('layering', () => {
  it('knows every folder of src/', () => {
    for (const file of files(SRC)) expect(RANK[layer_of(file)], `unranked layer of ${file}`).toBeDefined();
  });

  it('has no import that runs backwards', () => {
    const backwards: string[] = [];
    for (const file of files(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/from '(\.[^']+)'/g)) {
        const target = resolve(dirname(file), match[1] as string).replace(/\.js$/, '.ts');
        const from = layer_of(file);
        const to = layer_of(target);
        if ((RANK[to] as number) > (RANK[from] as number)) backwards.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
      }
    }
    expect(backwards).toEqual([]);
  });

  it('keeps wall clocks and unseeded randomness out of the model', () => {
    const offenders = files(SRC)
      .filter((file) => !['cli', 'report', 'sweep', 'kernel_check'].includes(layer_of(file)))
      .filter((file) => /Math\.random|Date\.now|performance\.now|new Date\(/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
