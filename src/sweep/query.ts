import { existsSync } from 'node:fs';
import { load_optional } from './optional_package.js';
import { SweepError } from './sweep_error.js';

/** Columns and rows of a query, values made JSON-safe (integers as numbers while exact). */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

/** DuckDB's JS values: BIGINT as bigint, DATE/TIMESTAMP as Date, lists and structs as arrays and objects. */
function json_safe(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(json_safe);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, json_safe(v)]));
  }
  return value;
}

/**
 * The part of @duckdb/node-api used here, typed locally: the package is optional, and neither
 * the build nor the other commands may need it.
 */
interface DuckDbModule {
  DuckDBInstance: { create(path: string, options: Record<string, string>): Promise<DuckDbInstance> };
}
interface DuckDbInstance {
  connect(): Promise<DuckDbConnection>;
  closeSync(): void;
}
interface DuckDbConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<{ columnNames(): string[]; getRowsJS(): unknown[][] }>;
  closeSync(): void;
}
const DUCKDB: string = '@duckdb/node-api';

function sql_string(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Runs SQL over result files with DuckDB, in memory: the view `runs` has one row per line
 * (`id`, `index`, `sweep`, `point`, `strategy`, `seed`, `result`, `error`), nested fields as
 * structs, e.g. `point."machine.cpus"`, `result.vmstat.pswpout`, `list_sum(result.interrupts.TLB)`.
 * `files` may be a glob (`runs/*.jsonl`). DuckDB is an optional dependency (a 70 MB binary),
 * loaded only here.
 */
export async function query_results(files: string, sql: string): Promise<QueryResult> {
  if (!files.includes('*') && !existsSync(files)) throw new SweepError(`${files}: no such file`);
  const duckdb = await load_optional<DuckDbModule>(DUCKDB, 'reclaimsim query');
  const instance = await duckdb.DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
  const connection = await instance.connect();
  try {
    await connection.run(`create view runs as select * from read_json_auto(${sql_string(files)}, format = 'newline_delimited', sample_size = -1)`);
    const reader = await connection.runAndReadAll(sql);
    return { columns: reader.columnNames(), rows: reader.getRowsJS().map((row) => row.map(json_safe)) };
  } catch (error) {
    // DuckDB's own errors (SQL syntax, unknown column, unreadable JSON) say what is wrong.
    throw new SweepError(error instanceof Error ? error.message : String(error));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
