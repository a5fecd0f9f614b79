/** Guest build pieces and setup errors of kernel-check (no qemu): initramfs, modules, busybox check, accelerator, CLI. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { choose_accelerator } from '../src/kernel_check/accelerator.js';
import { crashed_before_experiment } from '../src/kernel_check/boot.js';
import { KernelCheckError } from '../src/kernel_check/errors.js';
import { is_static_elf } from '../src/kernel_check/guest_build.js';
import { require_tool } from '../src/kernel_check/host_tools.js';
import { cpio_newc } from '../src/kernel_check/initramfs.js';
import { prepare_kernel } from '../src/kernel_check/kernel_image.js';
import { modinfo_depends, resolve_modules } from '../src/kernel_check/kernel_modules.js';
import { qemu_args } from '../src/kernel_check/qemu.js';
import type { GuestExperiment } from '../src/kernel_check/experiment.js';
import { capture } from './kernel_check_fixtures.js';

const CLI = resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'cli', 'main.js');

/** Reads back a newc archive: name, mode, rdev and data of each entry. */
function read_cpio(archive: Buffer): { name: string; mode: number; rdev: [number, number]; data: string }[] {
  const raw = gunzipSync(archive);
  const entries = [];
  let at = 0;
  const align = (n: number): number => (n + 3) & ~3;
  for (;;) {
    const field = (i: number): number => parseInt(raw.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    expect(raw.toString('latin1', at, at + 6)).toBe('070701');
    const [mode, size, major, minor, namesize] = [field(1), field(6), field(9), field(10), field(11)];
    const name = raw.toString('latin1', at + 110, at + 110 + namesize - 1);
    const data_at = align(at + 110 + namesize);
    if (name === 'TRAILER!!!') return entries;
    entries.push({ name, mode, rdev: [major, minor] as [number, number], data: raw.toString('latin1', data_at, data_at + size) });
    at = align(data_at + size);
  }
}

/** A fake module: some bytes, then a .modinfo-like `depends=` field. */
function fake_module(depends: string): Buffer {
  return Buffer.concat([Buffer.from('\x7fELF....'), Buffer.from(`\0license=GPL\0depends=${depends}\0vermagic=6.12\0`)]);
}

describe('kernel-check: guest build', () => {
  it('writes a newc cpio the kernel can unpack, with a console device node and no cpio tool', () => {
    const entries = read_cpio(
      cpio_newc([
        { name: 'dev', mode: 0o040755 },
        { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
        { name: 'init', mode: 0o100755, data: Buffer.from('#!/bin/busybox sh\n') },
      ]),
    );
    expect(entries).toEqual([
      { name: 'dev', mode: 0o040755, rdev: [0, 0], data: '' },
      { name: 'dev/console', mode: 0o020600, rdev: [5, 1], data: '' },
      { name: 'init', mode: 0o100755, rdev: [0, 0], data: '#!/bin/busybox sh\n' },
    ]);
  });

  it('resolves a driver\'s modules in load order from .modinfo, skipping built-in ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-modules-'));
    const put = (path: string, data: Buffer | string): void => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), data);
    };
    put('kernel/drivers/block/zram/zram.ko', fake_module('zsmalloc,lz4-compress'));
    put('kernel/mm/zsmalloc.ko', fake_module(''));
    put('kernel/lib/lz4/lz4_compress.ko', fake_module('lz4_common'));
    put('modules.builtin', 'kernel/lib/lz4/lz4_common.ko\n');
    expect(modinfo_depends(fake_module('zsmalloc,lz4-compress'))).toEqual(['zsmalloc', 'lz4_compress']);
    expect(resolve_modules(dir, ['zram']).map((m) => m.name)).toEqual(['zsmalloc', 'lz4_compress', 'zram']);
    expect(() => resolve_modules(dir, ['virtio_blk'])).toThrow(/the kernel has no virtio_blk driver .*CONFIG_VIRTIO_BLK=y/);
  });

  it('accepts only a statically linked busybox (the initramfs has no libc)', () => {
    const elf = (program_header_type: number): Buffer => {
      const b = Buffer.alloc(64 + 56);
      b.writeUInt32BE(0x7f454c46, 0);
      b[4] = 2;
      b.writeBigUInt64LE(64n, 0x20);
      b.writeUInt16LE(56, 0x36);
      b.writeUInt16LE(1, 0x38);
      b.writeUInt32LE(program_header_type, 64);
      return b;
    };
    expect(is_static_elf(elf(1))).toBe(true); // PT_LOAD only
    expect(is_static_elf(elf(3))).toBe(false); // PT_INTERP: dynamically linked
    expect(is_static_elf(Buffer.from('#!/bin/sh\n'))).toBe(false);
  });

  it('names the package of a missing tool, and refuses a file that is no kernel', () => {
    expect(() => require_tool('no-such-tool-reclaimsim', 'some-package')).toThrow(/no-such-tool-reclaimsim not found: apt-get install some-package/);
    const file = join(mkdtempSync(join(tmpdir(), 'reclaimsim-')), 'vmlinux');
    writeFileSync(file, Buffer.alloc(4096));
    expect(() => prepare_kernel(file, tmpdir())).toThrow(KernelCheckError);
    expect(() => prepare_kernel(file, tmpdir())).toThrow(/neither a linux-image-\*\.deb package nor a bzImage/);
    expect(() => prepare_kernel('/nonexistent/bzImage', tmpdir())).toThrow(/kernel image not found/);
  });
});

describe('kernel-check: qemu command line', () => {
  const experiment: GuestExperiment = { cpus: 2, memory_bytes: 256 << 20, swap: 'virtio', swap_bytes: 64 << 20, threads: 1, size_bytes: 16 << 20, chunk: 'whole', mode: 'dirty', lazy_cpu: null, thp: null, mthp: null };
  const setup = { vmlinuz: 'vmlinuz', initrd: 'initrd', swap_image: 'swap.img', accel: 'tcg' as const };

  it('gives the file case a second virtio-blk disk that /init finds by its serial; the anonymous case has the swap disk only', () => {
    const anon = qemu_args(experiment, setup);
    expect(anon.filter((a) => a === '-drive' || a === '-device')).toEqual(['-drive']);
    const file = qemu_args({ ...experiment, file: { mapping: 'shared', disk_bytes: 32 << 20 } }, { ...setup, file_image: 'file.img' });
    expect(file.slice(anon.length)).toEqual(['-drive', 'file=file.img,if=none,id=rsimfile,format=raw,cache=unsafe', '-device', 'virtio-blk-pci,drive=rsimfile,serial=rsim-file']);
    expect(file[file.indexOf('-append') + 1]).toContain(' rsim.file=1 ');
  });
});

describe('kernel-check: accelerator and boot retries', () => {
  it('falls back to TCG under auto when KVM cannot run a stock kernel, and says why', () => {
    expect(choose_accelerator('off')).toEqual({ accel: 'tcg', note: null });
    expect(choose_accelerator('auto', '/dev/kvm is kvm_pvm')).toEqual({ accel: 'tcg', note: '/dev/kvm is kvm_pvm' });
    expect(choose_accelerator('auto', null)).toEqual({ accel: 'kvm', note: null });
  });

  it('retries only a crash before the experiment started', () => {
    const qemu = { ...capture(''), seconds: 1 };
    expect(crashed_before_experiment({ ...qemu, console: '[ 0.5] Oops: int3: 0000 [#1] PREEMPT SMP\nKernel panic - not syncing' })).toBe(true);
    expect(crashed_before_experiment({ ...qemu, console: 'RSIM-START: uptime 2 s\nKernel panic - not syncing' })).toBe(false);
    expect(crashed_before_experiment({ ...qemu, console: 'RSIM-START: uptime 2 s\n===RESULT-BEGIN===' })).toBe(false);
  });
});

describe('reclaimsim kernel-check (built dist/): setup errors exit 1 with the remedy', () => {
  const cli = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, 'kernel-check', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

  it('says which package provides qemu', () => {
    const r = cli(['dirty-16m', '--kernel', '/nonexistent.deb'], { PATH: '/nonexistent' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/qemu-system-x86_64 not found: apt-get install qemu-system-x86/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the scenario field the guest cannot reproduce, and requires --kernel', () => {
    const r = cli(['dirty-16m', '--kernel', '/nonexistent.deb', '--set', 'workload.access=random']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/workload\.access: random is not supported by the guest program/);
    expect(cli(['dirty-16m', '--kernel', 'k.deb', '--json', '/nonexistent/r.json']).stderr).toMatch(/--json \/nonexistent\/r\.json: no such directory/);
    expect(cli(['dirty-16m']).status).toBe(1);
    expect(cli(['dirty-16m', '--kernel', 'k.deb', '--kvm', 'maybe']).status).toBe(1);
  });
});
