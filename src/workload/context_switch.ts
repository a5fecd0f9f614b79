/**
 * context_switch (kernel/sched/core.c) into a user task: besides switch_mm_irqs_off (hw/machine.ts
 * switch_mm) it calls lru_gen_use_mm(next->mm), telling the multi-gen LRU's next walk to visit
 * the mm. The model has one task per CPU and no preemption, so a user task is switched in when
 * it first runs (exec also calls lru_gen_use_mm, fs/exec.c) and whenever it runs again after
 * sleeping (for I/O, a request tag, a page lock): the engine calls its on_switch_in then. A
 * CPU-bound task that never sleeps is switched in once, as on an idle CPU in the kernel.
 */
import type { Task } from '../engine/simulator.js';
import type { MmStruct } from '../mm/mm_struct.js';

/** Marks `task` as a user task of `mm`: lru_gen_use_mm now and at every switch back into it. */
export function user_task(task: Task, mm: MmStruct): Task {
  mm.lru_gen_use_mm();
  task.on_switch_in = () => mm.lru_gen_use_mm();
  return task;
}
