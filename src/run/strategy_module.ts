import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReclaimStrategy } from '../reclaim/strategy.js';

/** A strategy module that cannot be used: the message says what is wrong. */
export class StrategyModuleError extends Error {
  readonly code = 'SIM_STRATEGY_INVALID';
}

function is_generator_function(value: unknown): boolean {
  return typeof value === 'function' && value.constructor.name === 'GeneratorFunction';
}

/** Transpiles a TypeScript strategy beside its source (so its relative imports resolve), imports it, removes the copy. */
async function import_typescript(path: string): Promise<unknown> {
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new StrategyModuleError(`${path}: loading a .ts strategy needs the "typescript" package (npm i -D typescript), or compile it to .js`);
  }
  const output = ts.transpileModule(readFileSync(path, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    fileName: path,
  }).outputText;
  const temp = join(dirname(path), `.${basename(path)}.reclaimsim.mjs`);
  writeFileSync(temp, output);
  try {
    return await import(pathToFileURL(temp).href);
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Loads a user strategy: the module's default export (or its export named `strategy`) must
 * have a name, a description, and generator functions dirty_folio and after_main_loop.
 */
export async function load_strategy_module(path: string): Promise<ReclaimStrategy> {
  const file = resolve(path);
  if (!existsSync(file)) throw new StrategyModuleError(`${path}: no such strategy module`);
  let module: unknown;
  try {
    module = file.endsWith('.ts') ? await import_typescript(file) : await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof StrategyModuleError) throw error;
    const message = (error as Error).message;
    // An ES module in a CommonJS package (npm init writes "type": "commonjs"): say how to fix it.
    const esm_in_cjs = /Unexpected token 'export'|Cannot use import statement outside a module/.test(message);
    const hint = esm_in_cjs ? ' (it is an ES module in a CommonJS package: name it .mjs, or set "type": "module" in package.json)' : '';
    throw new StrategyModuleError(`${path}: cannot load the module: ${message}${hint}`);
  }
  const exports = module as { default?: unknown; strategy?: unknown };
  const candidate = (exports.default ?? exports.strategy) as Partial<ReclaimStrategy> | undefined;
  const problems: string[] = [];
  if (candidate === undefined || typeof candidate !== 'object') problems.push('export default a strategy object');
  else {
    if (typeof candidate.name !== 'string' || candidate.name === '') problems.push('name: a non-empty string');
    if (typeof candidate.description !== 'string') problems.push('description: a string');
    if (!is_generator_function(candidate.dirty_folio)) problems.push('dirty_folio: a generator function *dirty_folio(ctx, pfn)');
    if (!is_generator_function(candidate.after_main_loop)) problems.push('after_main_loop: a generator function *after_main_loop(ctx)');
  }
  if (problems.length > 0) throw new StrategyModuleError(`${path}: not a reclaim strategy; it needs ${problems.join('; ')}`);
  return candidate as ReclaimStrategy;
}
