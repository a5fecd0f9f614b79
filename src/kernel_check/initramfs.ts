import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { content_key, write_file_atomically } from './cache.js';
import type { GuestModule } from './kernel_modules.js';

/** One file, directory or device node of the archive. */
export interface CpioEntry {
  name: string;
  /** st_mode: type and permission bits. */
  mode: number;
  data?: Buffer;
  /** Device major and minor, for device nodes. */
  rdev?: [number, number];
}

/**
 * A gzip'd "newc" cpio archive (what the kernel unpacks as initramfs), written directly: no cpio
 * tool and no root needed for the /dev/console node.
 */
export function cpio_newc(entries: readonly CpioEntry[]): Buffer {
  const chunks: Buffer[] = [];
  const pad = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);
  const hex = (v: number): string => v.toString(16).padStart(8, '0');
  const all: CpioEntry[] = [...entries, { name: 'TRAILER!!!', mode: 0 }];
  all.forEach((entry, i) => {
    const name = Buffer.from(`${entry.name}\0`);
    const data = entry.data ?? Buffer.alloc(0);
    const [major, minor] = entry.rdev ?? [0, 0];
    // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
    const fields = [i + 1, entry.mode, 0, 0, 1, 0, data.length, 0, 0, major, minor, name.length, 0];
    const header = Buffer.from(`070701${fields.map(hex).join('')}`);
    chunks.push(header, name, pad(header.length + name.length), data, pad(data.length));
  });
  return gzipSync(Buffer.concat(chunks), { level: 6 });
}

/** Inputs of the guest's root filesystem. */
export interface InitramfsInputs {
  init_script: string;
  busybox: string;
  guest_program: string;
  /** Cache key of the kernel the modules belong to. */
  kernel_id: string;
  /** Named by the swap device they serve ("virtio", "zram"), in load order. */
  swap: string;
  modules: readonly GuestModule[];
}

/** Builds the initramfs (or reuses the cached one with the same contents) and returns its path. */
export function build_initramfs(cache_dir: string, inputs: InitramfsInputs): string {
  const init = readFileSync(inputs.init_script);
  const busybox = readFileSync(inputs.busybox);
  const program = readFileSync(inputs.guest_program);
  const module_list = inputs.modules.map((m) => `${m.name}.ko\n`).join('');
  const key = content_key(init, busybox, program, inputs.kernel_id, inputs.swap, module_list);
  const out = join(cache_dir, 'build', `initramfs-${key}.cpio.gz`);
  if (existsSync(out)) return out;
  const dir = (name: string): CpioEntry => ({ name, mode: 0o040755 });
  const file = (name: string, data: Buffer, permissions = 0o644): CpioEntry => ({ name, mode: 0o100000 | permissions, data });
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'tmp', 'modules'].map(dir),
    { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
    file('init', init, 0o755),
    file('bin/busybox', busybox, 0o755),
    file('pageout', program, 0o755),
    file(`modules/${inputs.swap}.order`, Buffer.from(module_list)),
    ...inputs.modules.map((m) => file(`modules/${m.name}.ko`, m.data)),
  ];
  mkdirSync(dirname(out), { recursive: true });
  write_file_atomically(out, cpio_newc(entries));
  return out;
}
