import { app_thread_cpus, type Scenario } from '../scenario/schema.js';

/**
 * Who runs where in a traced run, and the names a kernel trace would give them. The tracer
 * reports CPUs, not tasks; every task of a scenario is pinned, so the task current on a CPU
 * follows from the scenario. Names and numbers follow the kernel's conventions: a comm and
 * pid per task (`<idle>-0` where nothing runs), the block device's major,minor and disk
 * name, and its completion interrupt.
 */
export interface TraceTask {
  /** The task's name in results (`madvise`, `app/1`). */
  name: string;
  /** comm as ftrace prints it: letters and digits only, so trace scripts' `comm-pid` regexes split it. */
  comm: string;
  pid: number;
  /** Thread group (process) id. */
  tgid: number;
}

export interface TraceDevice {
  major: number;
  minor: number;
  disk: string;
  irq: number;
  irq_name: string;
}

export interface TraceContext {
  title: string;
  nr_cpus: number;
  /** The task current on each CPU; null where the CPU idles. */
  cpu_task: (TraceTask | null)[];
  /** Every task, the madvise caller first. */
  tasks: TraceTask[];
  /** Null for zram (it completes synchronously, without requests or interrupts). */
  device: TraceDevice | null;
}

export const IDLE_TASK: TraceTask = { name: '<idle>', comm: '<idle>', pid: 0, tgid: 0 };

/** Process ids: the paged-out process, and the application's when it is another process. */
const PAGEOUT_TGID = 1000;
const SEPARATE_APP_TGID = 2000;

/** Device numbers as Linux assigns them: nvme is block major 259, sd 8, zram a dynamic major (252 here). */
const DEVICES: Record<Scenario['swap']['device'], TraceDevice | null> = {
  nvme: { major: 259, minor: 0, disk: 'nvme0n1', irq: 130, irq_name: 'nvme0q1' },
  ssd: { major: 8, minor: 0, disk: 'sda', irq: 40, irq_name: 'ahci[0000:00:17.0]' },
  hdd: { major: 8, minor: 0, disk: 'sda', irq: 40, irq_name: 'ahci[0000:00:17.0]' },
  zram: null,
};

export function trace_context(scenario: Scenario, strategy: string, seed: number): TraceContext {
  const madvise: TraceTask = { name: 'madvise', comm: 'madvise', pid: PAGEOUT_TGID, tgid: PAGEOUT_TGID };
  const same = scenario.workload.process === 'same';
  const app_tgid = same ? PAGEOUT_TGID : SEPARATE_APP_TGID;
  const cpu_task: (TraceTask | null)[] = new Array<TraceTask | null>(scenario.machine.cpus).fill(null);
  cpu_task[scenario.pageout.cpu] = madvise;
  const tasks = [madvise];
  app_thread_cpus(scenario.pageout.cpu, scenario.workload.threads).forEach((cpu, i) => {
    const task: TraceTask = { name: `app/${i + 1}`, comm: 'app', pid: app_tgid + i + 1, tgid: app_tgid };
    cpu_task[cpu] = task;
    tasks.push(task);
  });
  return {
    title: `${scenario.name} (${strategy}, seed ${seed})`,
    nr_cpus: scenario.machine.cpus,
    cpu_task,
    tasks,
    device: DEVICES[scenario.swap.device],
  };
}
