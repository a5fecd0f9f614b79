/**
 * `npm i reclaimsim` for the library and the core CLI stays small: the queue (bullmq, and
 * the ioredis client it loads) and `query` (DuckDB, a 70 MB binary) are optional peer dependencies,
 * loaded when a command first needs them, with a message naming the package when missing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { load_optional } from '../src/sweep/optional_package.js';

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageJson;

describe('install weight', () => {
  it('installs neither the queue nor DuckDB with the library, yet CI installs and tests both', () => {
    for (const heavy of ['bullmq', 'ioredis', '@duckdb/node-api']) {
      expect(pkg.dependencies[heavy], heavy).toBeUndefined();
      expect(pkg.optionalDependencies?.[heavy], heavy).toBeUndefined();
    }
    for (const optional of ['bullmq', 'ioredis', '@duckdb/node-api']) {
      expect(pkg.peerDependenciesMeta[optional]?.optional, optional).toBe(true);
      expect(pkg.peerDependencies[optional], optional).toBeDefined();
      expect(pkg.devDependencies[optional], optional).toBeDefined();
    }
  });

  it('names the packages to install when an optional one is missing', async () => {
    await expect(load_optional('reclaimsim-no-such-package', 'reclaimsim query')).rejects.toThrow(
      'reclaimsim query needs the optional package reclaimsim-no-such-package: npm i reclaimsim-no-such-package',
    );
    // bullmq loads its Redis client itself: a missing companion is named with it.
    await expect(load_optional('yaml', 'a sweep on a queue', ['reclaimsim-no-such-client'])).rejects.toThrow(
      'a sweep on a queue needs the optional packages yaml and reclaimsim-no-such-client: npm i yaml reclaimsim-no-such-client',
    );
  });
});
