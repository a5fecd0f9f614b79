import { createHash } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds (unpacked kernels, the guest program, initramfs images) and console logs live under
 * one cache directory, so a second check with the same inputs boots at once.
 */
export function default_cache_dir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'reclaimsim');
}

/** Short content hash naming a cached build: editing any input rebuilds it. */
export function content_key(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Writes through a temporary name, so a concurrent or interrupted build never leaves half a file. */
export function write_atomically(path: string, write: (tmp: string) => void): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    write(tmp);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Writes a file through write_atomically. */
export function write_file_atomically(path: string, data: Buffer | string): void {
  write_atomically(path, (tmp) => writeFileSync(tmp, data));
}
