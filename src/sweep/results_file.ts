import { appendFileSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { line_text, parse_line, type ResultLine } from './result_line.js';
import { SweepError } from './sweep_error.js';

/** The lines of a result file and the bytes of an incomplete last line (an interrupted write), if any. */
export interface ReadLines {
  lines: ResultLine[];
  partial_bytes: number;
}

/**
 * Reads a JSONL result file. A last line without its newline was cut off by an interrupted
 * write and is not a result; a malformed complete line is an error (file:line), never skipped.
 */
export function read_result_lines(path: string): ReadLines {
  if (!existsSync(path)) return { lines: [], partial_bytes: 0 };
  // A directory, a device (/dev/zero reads forever) or a pipe is not a result file.
  const stat = statSync(path);
  if (!stat.isFile()) throw new SweepError(`${path}: ${stat.isDirectory() ? 'is a directory' : 'not a regular file'}, so not a result file`);
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const lines = text
    .slice(0, end)
    .split('\n')
    .slice(0, -1)
    .map((line, i) => parse_line(line, `${path}:${i + 1}`));
  return { lines, partial_bytes: Buffer.byteLength(text.slice(end)) };
}

/** Writes lines to a file atomically (a sibling temporary file renamed over it). */
export function write_lines_atomic(path: string, lines: readonly ResultLine[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, lines.map(line_text).join(''));
  renameSync(tmp, path);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A result file open for appending by one process, its folder made if missing: a lock file beside it (holding the pid)
 * keeps two sweeps from writing the same file, a lock left by a process that died is taken
 * over, and an incomplete last line left by one is cut off before anything is appended, so
 * the file only ever holds whole lines.
 */
export class ResultsFile {
  readonly lines: ResultLine[];
  /** Bytes of an incomplete last line that opening removed. */
  readonly repaired_bytes: number;
  private readonly lock: string;

  constructor(readonly path: string) {
    this.lock = `${path}.lock`;
    // `--out runs/cpus.jsonl` into a folder that does not exist yet: make it, as git or tar would.
    mkdirSync(dirname(path), { recursive: true });
    take_lock(this.lock, path);
    try {
      const read = read_result_lines(path);
      if (read.partial_bytes > 0) truncateSync(path, readFileSync(path).length - read.partial_bytes);
      this.lines = read.lines;
      this.repaired_bytes = read.partial_bytes;
    } catch (error) {
      unlinkSync(this.lock);
      throw error;
    }
  }

  /** Appends one line with a single write, so an interruption leaves at most a cut-off last line. */
  append(line: ResultLine): void {
    appendFileSync(this.path, line_text(line));
  }

  /** Replaces the whole file (atomically) with these lines. */
  rewrite(lines: readonly ResultLine[]): void {
    write_lines_atomic(this.path, lines);
  }

  close(): void {
    unlinkSync(this.lock);
  }
}

/**
 * Takes the lock file, or throws naming the process that holds it. A lock left by a process
 * that died is taken over under a second lock file created exclusively, so that of two
 * processes finding the same stale lock only one takes it.
 */
function take_lock(lock: string, path: string): void {
  const held_by = () => new SweepError(`another process (pid ${read_pid(lock)}) is writing ${path}; if it is gone, remove ${lock}`);
  if (create_exclusive(lock)) return;
  const pid = read_pid(lock);
  if (pid !== null && alive(pid)) throw held_by();
  const takeover = `${lock}.takeover`;
  if (!create_exclusive(takeover)) {
    const other = read_pid(takeover);
    if (other !== null && alive(other)) throw new SweepError(`another process (pid ${other}) is taking over the stale lock ${lock} of ${path}`);
    throw new SweepError(`a stale lock takeover was interrupted: if no process is writing ${path}, remove ${lock} and ${takeover}`);
  }
  try {
    // Still the stale lock we read (not one a third process took meanwhile): replace it.
    if (read_pid(lock) === pid) rmSync(lock, { force: true });
    if (!create_exclusive(lock)) throw held_by();
  } finally {
    unlinkSync(takeover);
  }
}

/**
 * Creates the file holding this process's pid, only if it does not exist; false if it does.
 * The pid is written to a file of this process's own and hard-linked into place, so the lock
 * appears with its pid in it: created empty and written after (open with O_EXCL, then write),
 * another process reading it between the two saw no pid, thought its holder dead and took it.
 */
function create_exclusive(file: string): boolean {
  const own = `${file}.${process.pid}`;
  writeFileSync(own, `${process.pid}\n`);
  try {
    linkSync(own, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(own);
  }
}

/** The pid in a lock file, or null (gone, empty, garbage). */
function read_pid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
