import { closeSync, mkdirSync, openSync, rmSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { choose_accelerator, type KvmMode } from './accelerator.js';
import type { GuestExperiment } from './experiment.js';
import { qemu_args, run_qemu, type QemuOutcome } from './qemu.js';

/** Default bound on one boot: the guest finishes in seconds with KVM, in tens of seconds under TCG on a busy host. */
export const DEFAULT_TIMEOUT_S = { kvm: 120, tcg: 600 } as const;
/** Boots again after a crash before the experiment started (multi-threaded TCG, about 1 boot in 130). */
const BOOT_RETRIES = 2;

export interface BootRequest {
  qemu: string;
  vmlinuz: string;
  initrd: string;
  experiment: GuestExperiment;
  kvm: KvmMode;
  timeout_s?: number;
  /** Console logs are kept here, named after `run_name`. */
  log_dir: string;
  run_name: string;
  on_progress?: (line: string) => void;
}

export interface BootResult {
  outcome: QemuOutcome;
  accel: 'kvm' | 'tcg';
  /** Why KVM was not used, when --kvm auto fell back to TCG. */
  accel_note: string | null;
  qemu_command: string[];
  /** Console logs of boots that crashed before the experiment and were retried. */
  boot_retries: string[];
}

const KVM_FAILED = /failed to initialize kvm|Could not access KVM|KVM internal error|kvm_buf_set_msrs/i;

/** A crash before /init started the experiment: the rare multi-threaded TCG "Oops: int3" at boot, not the kernel under test. */
export function crashed_before_experiment(outcome: QemuOutcome): boolean {
  return !outcome.console.includes('RSIM-START') && /Oops:|Kernel panic/.test(outcome.console);
}

/** A sparse raw disk for virtio-blk (swap, or the file case's filesystem), in the temporary directory, removed after the boot. */
function make_disk_image(kind: 'swap' | 'file', bytes: number): string {
  const path = join(tmpdir(), `reclaimsim-${kind}-${process.pid}-${process.hrtime.bigint()}.img`);
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return path;
}

/**
 * Boots the guest until it has run the experiment or failed for a reason worth reporting:
 * under --kvm auto a KVM that fails to run the guest gives way to TCG, and a boot that
 * crashes before the experiment is retried.
 */
export async function boot_guest(request: BootRequest): Promise<BootResult> {
  const e = request.experiment;
  const choice = choose_accelerator(request.kvm);
  let accel_note = choice.note;
  const swap_image = e.swap === 'virtio' ? make_disk_image('swap', e.swap_bytes) : null;
  const file_image = e.file === undefined ? undefined : make_disk_image('file', e.file.disk_bytes);
  mkdirSync(request.log_dir, { recursive: true });
  const attempt = async (accel: 'kvm' | 'tcg', suffix: string): Promise<{ outcome: QemuOutcome; args: string[] }> => {
    const args = qemu_args(e, { vmlinuz: request.vmlinuz, initrd: request.initrd, swap_image, accel, ...(file_image === undefined ? {} : { file_image }) });
    const log_path = join(request.log_dir, `${request.run_name}-${accel}${suffix}.log`);
    request.on_progress?.(`booting under ${accel === 'kvm' ? 'KVM' : 'TCG (emulation)'}; console log: ${log_path}`);
    const outcome = await run_qemu(request.qemu, args, log_path, request.timeout_s ?? DEFAULT_TIMEOUT_S[accel]);
    return { outcome, args };
  };
  try {
    let run = await attempt(choice.accel, '');
    let accel = choice.accel;
    const kvm_failure = KVM_FAILED.exec(run.outcome.console + run.outcome.stderr);
    if (accel === 'kvm' && request.kvm === 'auto' && !run.outcome.console.includes('RSIM-START') && kvm_failure !== null) {
      accel_note = `KVM failed to run the guest (${kvm_failure[0]}; log ${run.outcome.log_path})`;
      accel = 'tcg';
      run = await attempt(accel, '');
    }
    const boot_retries: string[] = [];
    while (crashed_before_experiment(run.outcome) && boot_retries.length < BOOT_RETRIES) {
      boot_retries.push(run.outcome.log_path);
      request.on_progress?.(`the guest crashed while booting (log ${run.outcome.log_path}); booting again`);
      run = await attempt(accel, `-retry${boot_retries.length}`);
    }
    return { outcome: run.outcome, accel, accel_note, qemu_command: [request.qemu, ...run.args], boot_retries };
  } finally {
    if (swap_image !== null) rmSync(swap_image, { force: true });
    if (file_image !== undefined) rmSync(file_image, { force: true });
  }
}
