import { app_thread_cpus, kswapd_cpu, stress_params, stress_worker_cpus, workload_kind, type Scenario } from '../scenario/schema.js';

/**
 * Who runs where in a traced run, and the names a kernel trace would give them. The tracer
 * reports CPUs, not tasks; every task of a scenario is pinned, so the task current on a CPU
 * follows from the scenario. Names and numbers follow the kernel's conventions: a comm and
 * pid per task (`<idle>-0` where nothing runs), the block device's major,minor and disk
 * name, and its completion interrupt. A stress worker is `stress-ng-vm`, each its own
 * process (stress-ng forks one per worker); kswapd is the kernel thread `kswapd0`. kswapd
 * put on a CPU a workload task also runs on (reclaim.kswapd_cpu) is not told apart from it:
 * the tracer reports CPUs.
 */
export interface TraceTask {
  /** The task's name in results (`madvise`, `app/1`). */
  name: string;
  /** comm as ftrace prints it: letters, digits and '-' only, so trace scripts' `comm-pid` regexes split it at the last '-'. */
  comm: string;
  pid: number;
  /** Thread group (process) id. */
  tgid: number;
  /** False for a task that sleeps until woken (kswapd): no slice spans the trace for it. */
  runs_throughout?: boolean;
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
  /** Every task: the workload's (the madvise caller first), then kswapd0. */
  tasks: TraceTask[];
  /** Null for zram (it completes synchronously, without requests or interrupts). */
  device: TraceDevice | null;
}

export const IDLE_TASK: TraceTask = { name: '<idle>', comm: '<idle>', pid: 0, tgid: 0 };

/** Process ids: the paged-out process, and the application's when it is another process. */
const PAGEOUT_TGID = 1000;
const SEPARATE_APP_TGID = 2000;
/** kswapd0's pid: kernel threads started at boot get low pids (85 on a Debian 6.12 guest is typical). */
const KSWAPD_PID = 85;

/** Device numbers as Linux assigns them: nvme is block major 259, sd 8, zram a dynamic major (252 here). */
const DEVICES: Record<Scenario['swap']['device'], TraceDevice | null> = {
  nvme: { major: 259, minor: 0, disk: 'nvme0n1', irq: 130, irq_name: 'nvme0q1' },
  ssd: { major: 8, minor: 0, disk: 'sda', irq: 40, irq_name: 'ahci[0000:00:17.0]' },
  hdd: { major: 8, minor: 0, disk: 'sda', irq: 40, irq_name: 'ahci[0000:00:17.0]' },
  zram: null,
};

export function trace_context(scenario: Scenario, strategy: string, seed: number): TraceContext {
  const cpu_task: (TraceTask | null)[] = new Array<TraceTask | null>(scenario.machine.cpus).fill(null);
  const tasks: TraceTask[] = [];
  const place = (cpu: number, task: TraceTask) => {
    tasks.push(task);
    if (cpu_task[cpu] === null) cpu_task[cpu] = task;
  };
  if (workload_kind(scenario) === 'stress') {
    // Named as the run's results name them (vm/N on CPU N-1); each worker its own process.
    for (const cpu of stress_worker_cpus(stress_params(scenario).workers)) {
      const pid = PAGEOUT_TGID + cpu + 1;
      place(cpu, { name: `vm/${cpu + 1}`, comm: 'stress-ng-vm', pid, tgid: pid });
    }
  } else {
    place(scenario.pageout.cpu, { name: 'madvise', comm: 'madvise', pid: PAGEOUT_TGID, tgid: PAGEOUT_TGID });
    const app_tgid = scenario.workload.process === 'same' ? PAGEOUT_TGID : SEPARATE_APP_TGID;
    app_thread_cpus(scenario.pageout.cpu, scenario.workload.threads).forEach((cpu, i) => {
      place(cpu, { name: `app/${i + 1}`, comm: 'app', pid: app_tgid + i + 1, tgid: app_tgid });
    });
  }
  const kswapd = kswapd_cpu(scenario);
  if (kswapd >= 0) place(kswapd, { name: 'kswapd0', comm: 'kswapd0', pid: KSWAPD_PID, tgid: KSWAPD_PID, runs_throughout: false });
  return {
    title: `${scenario.name} (${strategy}, seed ${seed})`,
    nr_cpus: scenario.machine.cpus,
    cpu_task,
    tasks,
    device: DEVICES[scenario.swap.device],
  };
}
