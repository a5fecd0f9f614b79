import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { SimAssertionError } from '../engine/assert.js';
import type { Yield } from '../engine/simulator.js';
import type { ShrinkContext } from '../reclaim/shrink_context.js';
import type { ReclaimStrategy } from '../reclaim/strategy.js';
import { read_bounded } from '../scenario/yaml_input.js';

/** A strategy module larger than this is not one (/dev/zero, a log given by mistake). */
const MODULE_BYTES_MAX = 4 * 1024 * 1024;

/** A strategy module that cannot be used: the message says what is wrong. */
export class StrategyModuleError extends Error {
  readonly code = 'SIM_STRATEGY_INVALID';
}

/** What a user module threw (an Error, or any value: a string, undefined), in one line. */
function thrown_text(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `a non-Error value: ${String(error)}`;
  } catch {
    return 'a non-Error value';
  }
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
  const output = ts.transpileModule(read_bounded(path, 'a strategy module', MODULE_BYTES_MAX), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    fileName: path,
  }).outputText;
  // Named per process and thread: the sweep pool's threads may load the same module at once.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${threadId}.reclaimsim.mjs`);
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
  const stat = statSync(file);
  if (!stat.isFile() || stat.size > MODULE_BYTES_MAX) throw new StrategyModuleError(`${path}: not a strategy module (${stat.isFile() ? `larger than ${MODULE_BYTES_MAX} bytes` : 'not a regular file'})`);
  let module: unknown;
  try {
    module = file.endsWith('.ts') ? await import_typescript(file) : await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof StrategyModuleError) throw error;
    const message = thrown_text(error);
    // An ES module in a CommonJS package (npm init writes "type": "commonjs"): say how to fix it.
    const esm_in_cjs = /Unexpected token 'export'|Cannot use import statement outside a module/.test(message);
    const hint = esm_in_cjs ? ' (it is an ES module in a CommonJS package: name it .mjs, or set "type": "module" in package.json)' : '';
    throw new StrategyModuleError(`${path}: cannot load the module: ${message}${hint}`);
  }
  try {
    return checked_strategy(path, module);
  } catch (error) {
    if (error instanceof StrategyModuleError) throw error;
    throw new StrategyModuleError(`${path}: reading its strategy threw ${thrown_text(error)}`);
  }
}

/** The module's strategy, checked, with its hooks read once and guarded (see guarded). */
function checked_strategy(path: string, module: unknown): ReclaimStrategy {
  const exports = module as { default?: unknown; strategy?: unknown };
  const candidate = (exports.default ?? exports.strategy) as Partial<ReclaimStrategy> | undefined;
  const problems: string[] = [];
  if (candidate === undefined || candidate === null || typeof candidate !== 'object') problems.push('export default a strategy object');
  else {
    if (typeof candidate.name !== 'string' || candidate.name === '') problems.push('name: a non-empty string');
    if (typeof candidate.description !== 'string') problems.push('description: a string');
    if (!is_generator_function(candidate.dirty_folio)) problems.push('dirty_folio: a generator function *dirty_folio(ctx, pfn)');
    if (!is_generator_function(candidate.after_main_loop)) problems.push('after_main_loop: a generator function *after_main_loop(ctx)');
  }
  if (problems.length > 0) throw new StrategyModuleError(`${path}: not a reclaim strategy; it needs ${problems.join('; ')}`);
  return guarded(path, candidate as ReclaimStrategy);
}

/**
 * The user's strategy with its hooks wrapped: what they throw (an Error, a string,
 * undefined) is the module's fault, reported as a StrategyModuleError naming it, not as a
 * crash of the model. The model's own assertions pass through: they stay model failures,
 * with the seed that reproduces them.
 */
function guarded(path: string, strategy: ReclaimStrategy): ReclaimStrategy {
  const { name, description } = strategy;
  const dirty_folio = strategy.dirty_folio.bind(strategy);
  const after_main_loop = strategy.after_main_loop.bind(strategy);
  const blame = (hook: string, error: unknown): unknown =>
    error instanceof SimAssertionError || error instanceof StrategyModuleError ? error : new StrategyModuleError(`${path}: strategy ${name}: ${hook} threw ${thrown_text(error)}`);
  return {
    name,
    description,
    *dirty_folio(ctx: ShrinkContext, pfn: number): Generator<Yield, void, void> {
      try {
        yield* dirty_folio(ctx, pfn);
      } catch (error) {
        throw blame('dirty_folio', error);
      }
    },
    *after_main_loop(ctx: ShrinkContext): Generator<Yield, void, void> {
      try {
        yield* after_main_loop(ctx);
      } catch (error) {
        throw blame('after_main_loop', error);
      }
    },
  };
}
