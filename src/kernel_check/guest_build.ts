import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { content_key, write_atomically } from './cache.js';
import { KernelCheckError } from './errors.js';
import { require_tool, which } from './host_tools.js';

/** The guest's sources (pageout.c, init.sh), shipped with the package beside src/ and dist/. */
export function guest_source_dir(): string {
  // src/kernel_check or dist/kernel_check → package root/guest
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'guest');
}

const CFLAGS = ['-std=gnu11', '-static', '-O2', '-pthread', '-Wall'];
/** The guest program's sources: the experiment, its counters and result, its file case, its memcg case. */
const SOURCES = ['pageout.c', 'snapshot.c', 'file_region.c', 'memcg_write.c'];
const HEADERS = ['pageout.h'];

/** Compiles the guest experiment with the machine's gcc, statically (the initramfs has no libc), once per source. */
export function build_guest_program(cache_dir: string): string {
  const sources = SOURCES.map((name) => join(guest_source_dir(), name));
  const inputs = [...sources, ...HEADERS.map((name) => join(guest_source_dir(), name))].map((path) => readFileSync(path));
  const out = join(cache_dir, 'build', `pageout-${content_key(...inputs, CFLAGS.join(' '))}`);
  if (existsSync(out)) return out;
  const gcc = require_tool('gcc', 'gcc libc6-dev');
  mkdirSync(dirname(out), { recursive: true });
  write_atomically(out, (tmp) => {
    try {
      execFileSync(gcc, [...CFLAGS, '-o', tmp, ...sources], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
      if (/cannot find -l(c|pthread)|crt1\.o/.test(stderr)) throw new KernelCheckError('the static C library is missing: apt-get install libc6-dev');
      throw new KernelCheckError(`compiling ${sources.join(' ')} failed:\n${stderr.trim()}`);
    }
  });
  return out;
}

/** True when an ELF file has no program interpreter (PT_INTERP), i.e. is statically linked. */
export function is_static_elf(file: Buffer): boolean {
  if (file.length < 64 || file.readUInt32BE(0) !== 0x7f454c46 || file[4] !== 2) return false;
  const phoff = Number(file.readBigUInt64LE(0x20));
  const phentsize = file.readUInt16LE(0x36);
  const phnum = file.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (file.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

/** Debian's busybox-static is the guest's shell and tools; a dynamically linked busybox cannot run there. */
export function find_busybox(): string {
  const path = which('busybox') ?? '/bin/busybox';
  if (!existsSync(path)) throw new KernelCheckError('busybox not found: apt-get install busybox-static');
  if (!is_static_elf(readFileSync(path))) throw new KernelCheckError(`${path} is not statically linked: apt-get install busybox-static`);
  return path;
}
