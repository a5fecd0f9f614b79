import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { guest_kernel_cmdline, type GuestExperiment } from './experiment.js';

const MiB = 1024 * 1024;

/** What one qemu run left: the console text (with \r removed), qemu's stderr, how it ended. */
export interface QemuOutcome {
  console: string;
  stderr: string;
  code: number | null;
  signal: string | null;
  timed_out: boolean;
  seconds: number;
  log_path: string;
  timeout_s: number;
}

/** Files and settings of one boot. */
export interface QemuSetup {
  vmlinuz: string;
  initrd: string;
  /** A raw disk image for virtio-blk swap; null with zram. */
  swap_image: string | null;
  /** The file case's disk (a raw image), or absent. */
  file_image?: string;
  accel: 'kvm' | 'tcg';
}

/** qemu's command line: serial console on stdio, no devices but the swap disk (and the file disk), the guest's shape. */
export function qemu_args(e: GuestExperiment, setup: QemuSetup): string[] {
  const args = [
    '-nographic', '-nodefaults', '-no-reboot', '-serial', 'stdio',
    // multi-threaded TCG: one host thread per vCPU, so spinners and the madvise caller run at once
    '-accel', setup.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi',
    '-cpu', setup.accel === 'kvm' ? 'host' : 'max',
    '-smp', String(e.cpus), '-m', `${Math.ceil(e.memory_bytes / MiB)}M`,
    '-kernel', setup.vmlinuz, '-initrd', setup.initrd, '-append', guest_kernel_cmdline(e),
  ];
  if (setup.swap_image !== null) args.push('-drive', `file=${setup.swap_image},if=virtio,format=raw,cache=unsafe`);
  // /init finds the file disk by its serial, whatever order the disks are probed in.
  if (setup.file_image !== undefined) {
    args.push('-drive', `file=${setup.file_image},if=none,id=rsimfile,format=raw,cache=unsafe`, '-device', 'virtio-blk-pci,drive=rsimfile,serial=rsim-file');
  }
  return args;
}

/** qemu pauses the VM instead of exiting on these: it is killed at once. */
const STUCK = /KVM internal error/;

/** Runs qemu once, copying its console to `log_path`; killed after `timeout_s`, so a hang is bounded. */
export function run_qemu(qemu: string, args: readonly string[], log_path: string, timeout_s: number): Promise<QemuOutcome> {
  return new Promise((resolve) => {
    const log = openSync(log_path, 'w');
    writeSync(log, `# ${qemu} ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
    const start = process.hrtime.bigint();
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let console_text = '';
    let stderr = '';
    let timed_out = false;
    child.stdout.on('data', (chunk: Buffer) => {
      writeSync(log, chunk);
      console_text += chunk.toString('latin1');
      if (STUCK.test(console_text)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      writeSync(log, chunk);
      stderr += chunk.toString();
      if (STUCK.test(stderr)) child.kill('SIGKILL');
    });
    const timer = setTimeout(() => {
      timed_out = true;
      child.kill('SIGKILL');
    }, timeout_s * 1000);
    child.on('error', (error) => {
      stderr += error.message;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      closeSync(log);
      resolve({
        console: console_text.replace(/\r/g, ''),
        stderr,
        code,
        signal,
        timed_out,
        seconds: Number(process.hrtime.bigint() - start) / 1e9,
        log_path,
        timeout_s,
      });
    });
  });
}
