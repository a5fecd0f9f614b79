import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { content_key, write_atomically } from './cache.js';
import { KernelCheckError } from './errors.js';
import { require_tool, run_tool } from './host_tools.js';

/** A kernel ready to boot: its bzImage and, for a package, the modules it ships. */
export interface KernelImage {
  /** Cache key of the kernel (package name, or a bzImage's path and mtime). */
  id: string;
  /** The file the user gave. */
  path: string;
  vmlinuz: string;
  /** lib/modules/<release> of a package; null for a bare bzImage (drivers must be built in). */
  modules_dir: string | null;
}

/** True when the file starts like an x86 boot image (the "HdrS" setup header magic at 0x202). */
function is_bzimage(path: string): boolean {
  const header = Buffer.alloc(0x206);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  return header.toString('latin1', 0x202, 0x206) === 'HdrS';
}

/**
 * A `linux-image-*.deb` is unpacked once into the cache (`dpkg-deb -x`: never installed, nothing
 * goes to /boot); a bare bzImage is used as it is.
 */
export function prepare_kernel(image: string, cache_dir: string): KernelImage {
  if (!existsSync(image)) throw new KernelCheckError(`kernel image not found: ${image}`);
  const path = resolve(image);
  if (path.endsWith('.deb')) return unpack_deb(path, cache_dir);
  if (!is_bzimage(path)) {
    throw new KernelCheckError(`${image} is neither a linux-image-*.deb package nor a bzImage (arch/x86/boot/bzImage of a kernel build)`);
  }
  return { id: content_key(path, String(statSync(path).mtimeMs)), path, vmlinuz: path, modules_dir: null };
}

function unpack_deb(path: string, cache_dir: string): KernelImage {
  const name = basename(path, '.deb');
  const dir = join(cache_dir, 'kernels', name);
  if (!existsSync(join(dir, '.complete'))) {
    const dpkg_deb = require_tool('dpkg-deb', 'dpkg');
    mkdirSync(join(cache_dir, 'kernels'), { recursive: true });
    rmSync(dir, { recursive: true, force: true }); // an interrupted unpack
    write_atomically(dir, (tmp) => {
      mkdirSync(tmp);
      run_tool(dpkg_deb, ['-x', path, tmp], `unpacking ${basename(path)}`);
      writeFileSync(join(tmp, '.complete'), '');
    });
  }
  const boot = join(dir, 'boot');
  const vmlinuz = existsSync(boot) ? readdirSync(boot).find((file) => file.startsWith('vmlinuz-')) : undefined;
  if (vmlinuz === undefined) throw new KernelCheckError(`${path} holds no boot/vmlinuz-*: is it a linux-image package?`);
  const release = vmlinuz.slice('vmlinuz-'.length);
  return { id: name, path, vmlinuz: join(boot, vmlinuz), modules_dir: join(dir, 'lib', 'modules', release) };
}
