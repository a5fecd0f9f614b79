import { SweepError } from './sweep_error.js';

function missing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Loads an optional peer dependency when a command first needs it: the queue (bullmq, with
 * the ioredis client it loads itself) and `query` (@duckdb/node-api, a 70 MB binary) are not
 * installed with the library. `companions` are packages it needs beside it. Missing, it is
 * a usage error that names every package to install.
 */
export async function load_optional<T>(name: string, purpose: string, companions: readonly string[] = []): Promise<T> {
  const all = [name, ...companions];
  const fail = () => new SweepError(`${purpose} needs the optional package${all.length > 1 ? 's' : ''} ${all.join(' and ')}: npm i ${all.join(' ')}`);
  let module: T;
  try {
    module = (await import(name)) as T;
    for (const companion of companions) await import(companion);
  } catch (error) {
    if (missing(error)) throw fail();
    throw error;
  }
  return module;
}
