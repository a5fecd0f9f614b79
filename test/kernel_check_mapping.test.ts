/** Scenario → guest experiment (src/kernel_check/experiment.ts): what maps, and what is refused by field. */
import { describe, expect, it } from 'vitest';
import { KernelCheckError } from '../src/kernel_check/errors.js';
import { guest_kernel_cmdline, guest_memory_needed, plan_experiment } from '../src/kernel_check/experiment.js';
import { load_scenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/schema.js';

const MiB = 1024 * 1024;

/**
 * A scenario with pageout.backing and pageout.mapping, the fields the page-cache model adds to the
 * schema (issue 12); set on the loaded object until the schema has them.
 */
function with_file(scenario: Scenario, mapping: string, backing = 'file'): Scenario {
  return { ...scenario, pageout: { ...scenario.pageout, backing, mapping } as Scenario['pageout'] };
}

function refusal(name: string, sets: string[], file?: { mapping: string; backing?: string }): string {
  try {
    const scenario = load_scenario(name, sets);
    plan_experiment(file === undefined ? scenario : with_file(scenario, file.mapping, file.backing));
  } catch (error) {
    if (error instanceof KernelCheckError) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('kernel-check: scenario to guest experiment', () => {
  it('maps CPUs, memory, device, threads, size, chunk and mode', () => {
    const scenario = load_scenario('dirty-16m');
    expect(plan_experiment(scenario)).toEqual({
      experiment: { cpus: 2, memory_bytes: 256 * MiB, swap: 'virtio', swap_bytes: 64 * MiB, threads: 1, size_bytes: 16 * MiB, chunk: 'whole', mode: 'dirty', lazy_cpu: null, thp: null, mthp: null },
      model_scenario: scenario,
      notes: [],
    });
    const e = plan_experiment(load_scenario('clean-16m', ['swap.device=zram', 'swap.size=48MiB'])).experiment;
    expect(e).toMatchObject({ swap: 'zram', swap_bytes: 48 * MiB, mode: 'clean' });
    expect(plan_experiment(load_scenario('dirty-16m-chunked')).experiment.chunk).toBe('2M');
    expect(plan_experiment(load_scenario('dirty-16m', ['swap.device=ssd'])).experiment.swap).toBe('virtio');
    expect(plan_experiment(load_scenario('dirty-16m', ['pageout.chunk=16MiB'])).experiment.chunk).toBe('whole');
    expect(plan_experiment(load_scenario('single-thread-16m', ['workload.lazy_cpus=[1]'])).experiment).toMatchObject({ threads: 0, lazy_cpu: 1 });
  });

  it('gives four times the region as swap by default, at least 64 MiB (the kernel\'s vm_swap_full is never reached)', () => {
    expect(plan_experiment(load_scenario('dirty-16m', ['pageout.size=32MiB'])).experiment.swap_bytes).toBe(128 * MiB);
  });

  it('refuses what the guest program cannot do, naming the field', () => {
    expect(refusal('dirty-16m', ['workload.access=random'])).toMatch(/workload\.access: random is not supported by the guest program/);
    expect(refusal('dirty-16m', ['workload.process=separate'])).toMatch(/workload\.process: separate is not supported/);
    expect(refusal('dirty-16m', ['workload.pageout_access=read'])).toMatch(/workload\.pageout_access: read is not supported/);
    expect(refusal('dirty-16m', ['pageout.zero_pages=10'])).toMatch(/pageout\.zero_pages: the guest program writes non-zero data/);
    expect(refusal('dirty-16m', ['swap.zswap.enabled=true'])).toMatch(/swap\.zswap\.enabled: the guest boots with zswap off/);
    expect(refusal('dirty-16m', ['pageout.chunk=1MiB'])).toMatch(/pageout\.chunk: the guest pages out in one call \(whole\) or per 2MiB, got 1MiB/);
    expect(refusal('dirty-16m', ['machine.cpus=4', 'pageout.cpu=1', 'workload.threads=1'])).toMatch(/pageout\.cpu: the guest's madvise caller runs on CPU 0, got 1/);
    expect(refusal('single-thread-16m', ['machine.cpus=4', 'workload.lazy_cpus=[1,2]'])).toMatch(/workload\.lazy_cpus: at most one lazy CPU/);
    expect(refusal('dirty-16m', ['machine.cpus=65'])).toMatch(/machine\.cpus: at most 64/);
    expect(refusal('dirty-16m', ['machine.arch=arm64'])).toMatch(/machine\.arch: the guest is x86-64 and flushes by IPI \(use x86\), got arm64/);
    expect(refusal('dirty-16m', ['machine.sockets=2'])).toMatch(/machine\.sockets: the guest has one socket \(use 1\), got 2/);
  });

  it('lists every problem at once', () => {
    const message = refusal('dirty-16m', ['workload.access=random', 'pageout.chunk=1MiB']);
    expect(message.split('\n')).toHaveLength(3);
  });

  it('says how much memory the guest needs when the scenario gives too little', () => {
    expect(guest_memory_needed(load_scenario('dirty-16m', ['swap.device=zram']))).toBe(128 * MiB + 2 * 16 * MiB);
    expect(refusal('dirty-16m', ['swap.device=zram', 'machine.memory=128MiB'])).toMatch(
      /machine\.memory: 128MiB is too small for the guest: it needs 160MiB .*its copy in zram.*--set machine\.memory=160MiB/,
    );
  });

  it('notes differences that change no count', () => {
    expect(plan_experiment(load_scenario('dirty-16m', ['workload.region=64KiB'])).notes).toEqual([
      'workload.region 64KiB: each guest thread spins on one 4KiB page (TLB counts do not depend on it)',
    ]);
  });

  it('passes the experiment to /init on the kernel command line, THP and zswap off, CPUs but 0 isolated', () => {
    const { experiment } = plan_experiment(load_scenario('dirty-16m-chunked', ['swap.device=zram']));
    expect(guest_kernel_cmdline(experiment)).toBe(
      'console=ttyS0 quiet panic=-1 transparent_hugepage=never zswap.enabled=0 isolcpus=1 rdinit=/init rsim.swap=zram rsim.swapsize=67108864 rsim.isolate=1 ' +
        'rsim.args=--threads,1,--size,16777216,--chunk,2M,--mode,dirty',
    );
    expect(guest_kernel_cmdline({ ...experiment, cpus: 4 })).toContain(' isolcpus=1-3 ');
    expect(guest_kernel_cmdline({ ...experiment, cpus: 1, threads: 0 })).not.toContain('isolcpus');
  });

  it('passes THP settings to the guest program, and runs the model with the guest disk\'s rotational flag', () => {
    const thp = plan_experiment(load_scenario('dirty-16m', ['memory.thp=always', 'memory.mthp.64KiB=always', 'memory.mthp.16KiB=never']));
    expect(guest_kernel_cmdline(thp.experiment)).toContain('rsim.args=--threads,1,--size,16777216,--chunk,whole,--mode,dirty,--thp,always,--mthp,16:never+64:always');
    expect(thp.model_scenario.swap.rotational).toBe(true);
    expect(thp.notes).toContainEqual(expect.stringMatching(/^swap\.rotational: the guest's virtio-blk disk is rotational/));
    // zram is not rotational; without large folios the flag changes nothing and is left alone.
    expect(plan_experiment(load_scenario('dirty-16m', ['memory.thp=always', 'swap.device=zram'])).model_scenario.swap.rotational).toBeUndefined();
    expect(plan_experiment(load_scenario('dirty-16m')).model_scenario.swap.rotational).toBeUndefined();
    expect(refusal('dirty-16m', ['memory.thp=always', 'swap.rotational=false'])).toMatch(/swap\.rotational: the guest's virtio-blk disk is rotational/);
  });

  it('maps a file scenario to the file case: a second disk, the file on it, the mapping; the anonymous experiment has no file', () => {
    const scenario = with_file(load_scenario('dirty-16m'), 'shared');
    const { experiment } = plan_experiment(scenario);
    expect(experiment.file).toEqual({ mapping: 'shared', disk_bytes: 32 * MiB });
    expect(guest_kernel_cmdline(experiment)).toBe(
      'console=ttyS0 quiet panic=-1 transparent_hugepage=never zswap.enabled=0 isolcpus=1 rdinit=/init rsim.swap=virtio rsim.swapsize=67108864 rsim.isolate=1 rsim.file=1 ' +
        'rsim.args=--threads,1,--size,16777216,--chunk,whole,--mode,dirty,--file,/mnt/region,--mapping,shared',
    );
    expect(plan_experiment(with_file(load_scenario('clean-16m'), 'private')).experiment).toMatchObject({ mode: 'clean', file: { mapping: 'private' } });
    expect(plan_experiment(with_file(load_scenario('dirty-16m'), 'shared', 'anon')).experiment).not.toHaveProperty('file');
    expect('file' in plan_experiment(load_scenario('dirty-16m')).experiment).toBe(false);
  });

  it('counts a written private file mapping twice in the guest\'s memory (page cache and its anonymous copies)', () => {
    expect(guest_memory_needed(with_file(load_scenario('dirty-16m'), 'shared'))).toBe(128 * MiB + 16 * MiB);
    expect(guest_memory_needed(with_file(load_scenario('clean-16m'), 'private'))).toBe(128 * MiB + 16 * MiB);
    expect(guest_memory_needed(with_file(load_scenario('dirty-16m'), 'private'))).toBe(128 * MiB + 2 * 16 * MiB);
    expect(guest_memory_needed(with_file(load_scenario('dirty-16m', ['swap.device=zram']), 'private'))).toBe(128 * MiB + 3 * 16 * MiB);
  });

  it('refuses a file case the guest cannot run, naming the field', () => {
    // A bad pageout.backing or pageout.mapping never gets here: the schema refuses it (test/bad_input).
    expect(refusal('dirty-16m', ['memory.thp=always'], { mapping: 'shared' })).toMatch(/memory\.thp \/ memory\.mthp: the guest's file case has no large folios/);
  });
});
