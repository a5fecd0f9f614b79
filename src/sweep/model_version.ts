import { createRequire } from 'node:module';

/**
 * The version of reclaimsim a worker runs, sent with each result: a sweep records only the
 * results of its own model (a worker of another version may count differently). The package
 * version, read from package.json beside src/ and dist/.
 */
export const MODEL_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
