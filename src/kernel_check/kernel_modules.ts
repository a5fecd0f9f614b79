import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KernelCheckError } from './errors.js';
import { require_tool, run_tool } from './host_tools.js';

/** A module to load in the guest, decompressed. */
export interface GuestModule {
  name: string;
  data: Buffer;
}

/** Drivers the guest needs for each swap device (their dependencies are added from .modinfo). */
export const SWAP_DRIVERS = { virtio: ['virtio_blk'], zram: ['zram'] } as const;
/**
 * Drivers of the file case: its disk, ext4 (which mounts the ext2 filesystem,
 * CONFIG_EXT4_USE_FOR_EXT2), and the crc32c hash ext4's mount asks the crypto API for in 6.12
 * even without metadata checksums (the guest has no modprobe to load it on demand).
 */
export const FILE_DRIVERS = ['virtio_blk', 'crc32c_generic', 'ext4'] as const;

/** Kconfig symbols a user builds in when a driver is missing. */
const DRIVER_CONFIG: Record<string, string> = {
  virtio_blk: 'CONFIG_VIRTIO_PCI=y and CONFIG_VIRTIO_BLK=y',
  zram: 'CONFIG_ZRAM=y with CONFIG_ZSMALLOC=y and CONFIG_ZRAM_BACKEND_LZ4=y',
  ext4: 'CONFIG_EXT4_FS=y and CONFIG_EXT4_USE_FOR_EXT2=y',
  crc32c_generic: 'CONFIG_CRYPTO_CRC32C=y',
};

/** Module names use _ and - interchangeably; the kernel compares them with - as _. */
const normalize = (name: string): string => name.replace(/-/g, '_');
const module_name = (file: string): string => normalize(basename(file).replace(/\.ko(\.(xz|gz|zst))?$/, ''));

function module_files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return module_files(path);
    return /\.ko(\.(xz|gz|zst))?$/.test(entry.name) ? [path] : [];
  });
}

function read_module(file: string): Buffer {
  if (file.endsWith('.ko')) return readFileSync(file);
  if (file.endsWith('.gz')) return gunzipSync(readFileSync(file));
  if (file.endsWith('.xz')) return run_tool(require_tool('xz', 'xz-utils'), ['-dc', file], `decompressing ${file}`);
  return run_tool(require_tool('zstd', 'zstd'), ['-dc', file], `decompressing ${file}`);
}

/** The `depends=` field of a module's .modinfo section (a package has no modules.dep: depmod makes it at install). */
export function modinfo_depends(module: Buffer): string[] {
  const at = module.indexOf('\0depends=');
  if (at < 0) return [];
  const start = at + '\0depends='.length;
  const value = module.toString('latin1', start, module.indexOf(0, start));
  return value === '' ? [] : value.split(',').map(normalize);
}

/**
 * The modules to insmod, in load order, for `wanted` drivers of the kernel whose modules are in
 * `modules_dir` (lib/modules/<release>); built-in drivers (modules.builtin) need none.
 */
export function resolve_modules(modules_dir: string, wanted: readonly string[]): GuestModule[] {
  const builtin = new Set<string>();
  const builtin_list = join(modules_dir, 'modules.builtin');
  if (existsSync(builtin_list)) {
    for (const line of readFileSync(builtin_list, 'utf8').split('\n')) if (line !== '') builtin.add(module_name(line));
  }
  const index = new Map(module_files(join(modules_dir, 'kernel')).map((file) => [module_name(file), file]));
  const order: GuestModule[] = [];
  const seen = new Set<string>();
  const visit = (name: string, driver: string): void => {
    if (seen.has(name) || builtin.has(name)) return;
    seen.add(name);
    const file = index.get(name);
    if (file === undefined) {
      const hint = DRIVER_CONFIG[driver] === undefined ? '' : `; build the kernel with ${DRIVER_CONFIG[driver]}`;
      throw new KernelCheckError(`the kernel has no ${name} driver (neither built in nor a module under ${modules_dir})${hint}`);
    }
    const data = read_module(file);
    for (const dependency of modinfo_depends(data)) visit(dependency, driver);
    order.push({ name, data });
  };
  for (const driver of wanted) visit(normalize(driver), driver);
  return order;
}
