import { accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { KernelCheckError } from './errors.js';

/** The executable `command` on PATH, or null. */
export function which(command: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const path = join(dir, command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** The executable, or an error that names the Debian package providing it. */
export function require_tool(command: string, debian_package: string): string {
  const path = which(command);
  if (path === null) throw new KernelCheckError(`${command} not found: apt-get install ${debian_package}`);
  return path;
}

/** Runs a host tool to completion; a failure says what was being done and shows the tool's last lines. */
export function run_tool(path: string, args: readonly string[], what: string): Buffer {
  try {
    return execFileSync(path, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-5).join('\n') ?? '';
    throw new KernelCheckError(`${what} failed (${path} ${args.join(' ')}):\n${stderr === '' ? String(error) : stderr}`);
  }
}
