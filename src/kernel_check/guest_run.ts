import { join } from 'node:path';
import type { KvmMode } from './accelerator.js';
import { boot_guest, type BootResult } from './boot.js';
import { default_cache_dir } from './cache.js';
import type { GuestExperiment } from './experiment.js';
import { build_guest_program, find_busybox, guest_source_dir } from './guest_build.js';
import { check_guest_report, read_guest_report, type GuestReport } from './guest_result.js';
import { require_tool } from './host_tools.js';
import { build_initramfs } from './initramfs.js';
import { prepare_kernel, type KernelImage } from './kernel_image.js';
import { FILE_DRIVERS, resolve_modules, SWAP_DRIVERS } from './kernel_modules.js';

export interface GuestRunOptions {
  /** A linux-image-*.deb package file, or a bzImage with its drivers built in. */
  kernel: string;
  kvm?: KvmMode;
  /** Bound on the guest's run, seconds (default 120 with KVM, 600 under TCG). */
  timeout_s?: number;
  /** Builds and console logs (default ~/.cache/reclaimsim). */
  cache_dir?: string;
  on_progress?: (line: string) => void;
  /** Names the console log. */
  log_name: string;
}

/** What one boot of the guest measured. */
export interface GuestRun {
  image: KernelImage;
  boot: BootResult;
  report: GuestReport;
}

/**
 * Builds the guest (program, initramfs with the drivers the experiment needs), boots it and
 * reads its report: the kernel's side of kernel-check, without the model. Throws
 * KernelCheckError for what the user must fix and for a guest that failed.
 */
export async function run_guest(experiment: GuestExperiment, options: GuestRunOptions): Promise<GuestRun> {
  const qemu = require_tool('qemu-system-x86_64', 'qemu-system-x86');
  const busybox = find_busybox();
  const cache_dir = options.cache_dir ?? default_cache_dir();
  options.on_progress?.(`preparing ${options.kernel}`);
  const image = prepare_kernel(options.kernel, cache_dir);
  const drivers = [...SWAP_DRIVERS[experiment.swap], ...(experiment.file === undefined ? [] : FILE_DRIVERS)];
  const initrd = build_initramfs(cache_dir, {
    init_script: join(guest_source_dir(), 'init.sh'),
    busybox,
    guest_program: build_guest_program(cache_dir),
    kernel_id: image.id,
    swap: experiment.swap,
    // A bare bzImage must have its drivers built in; the guest says so if a device is missing.
    modules: image.modules_dir === null ? [] : resolve_modules(image.modules_dir, drivers),
  });
  const boot = await boot_guest({
    qemu,
    vmlinuz: image.vmlinuz,
    initrd,
    experiment,
    kvm: options.kvm ?? 'auto',
    ...(options.timeout_s === undefined ? {} : { timeout_s: options.timeout_s }),
    log_dir: join(cache_dir, 'logs'),
    run_name: options.log_name,
    ...(options.on_progress === undefined ? {} : { on_progress: options.on_progress }),
  });
  const report = read_guest_report(boot.outcome);
  check_guest_report(report, experiment, boot.outcome.log_path);
  return { image, boot, report };
}
