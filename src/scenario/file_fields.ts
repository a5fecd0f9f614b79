import type { z } from 'zod';
import type { WritebackParams } from '../reclaim/page_writeback.js';
import type { ScenarioParsed } from './schema.js';
import { format_size } from './units.js';
import { stress_params, workload_kind } from './workload_params.js';

export type { WritebackParams };

/** writeback.* with 6.12's defaults (mm/page-writeback.c): 10 %, 20 %, no byte limits, 30 s expiry, 5 s period. */
export function writeback_params(s: Pick<ScenarioParsed, 'writeback'>): WritebackParams {
  const w = s.writeback;
  return {
    dirty_background_ratio: w?.dirty_background_ratio ?? 10,
    dirty_ratio: w?.dirty_ratio ?? 20,
    dirty_background_bytes: w?.dirty_background_bytes ?? 0,
    dirty_bytes: w?.dirty_bytes ?? 0,
    dirty_expire_centisecs: w?.dirty_expire_centisecs ?? 3000,
    dirty_writeback_centisecs: w?.dirty_writeback_centisecs ?? 500,
  };
}

/** The file of a pageout.backing: file scenario, defaults resolved (file.* fields). */
export function file_params(s: Pick<ScenarioParsed, 'file' | 'pageout' | 'swap' | 'stress' | 'workload'>): { device: 'nvme' | 'ssd' | 'hdd' | 'ram'; size: number; disk_size: number } {
  const stress = workload_kind(s) === 'stress';
  const size = s.file?.size ?? (stress ? stress_params(s).bytes : s.pageout.size);
  const nr_files = stress ? Math.max(1, stress_file_count(s)) : 1;
  return { device: s.file?.device ?? (s.swap.device === 'zram' ? 'nvme' : s.swap.device), size, disk_size: s.file?.disk_size ?? 4 * size * nr_files };
}

/** The scenario maps files (pageout.backing file, stress.backing file or mixed): the run has a file disk. */
export function has_files(s: Pick<ScenarioParsed, 'pageout' | 'stress' | 'workload'>): boolean {
  return workload_kind(s) === 'stress' ? (s.stress?.backing ?? 'anon') !== 'anon' : s.pageout.backing === 'file';
}

/** Whether stress worker `i` (0-based) maps a file: all with backing file, the odd ones with mixed. */
export function stress_worker_maps_file(s: Pick<ScenarioParsed, 'stress'>, i: number): boolean {
  const backing = s.stress?.backing ?? 'anon';
  return backing === 'file' || (backing === 'mixed' && i % 2 === 1);
}

/** The files a stress scenario creates: one per file worker, or one for all (stress.files: one). */
function stress_file_count(s: Pick<ScenarioParsed, 'stress'>): number {
  const workers = stress_params(s).workers;
  let file_workers = 0;
  for (let i = 0; i < workers; i++) if (stress_worker_maps_file(s, i)) file_workers++;
  return s.stress?.files === 'one' ? Math.min(1, file_workers) : file_workers;
}

/** Checks of the file fields: only with backing file; the file fits its disk; the mapping ends inside the file. */
export function refine_file(s: ScenarioParsed, ctx: z.RefinementCtx, large_folios: boolean): void {
  const backing = s.pageout.backing ?? 'anon';
  if (backing !== 'file') {
    if (s.pageout.mapping !== undefined) ctx.addIssue({ code: 'custom', path: ['pageout', 'mapping'], message: 'needs pageout.backing: file (allowed: private, shared)' });
    if (s.file !== undefined) ctx.addIssue({ code: 'custom', path: ['file'], message: 'needs pageout.backing: file' });
    if (s.writeback !== undefined) ctx.addIssue({ code: 'custom', path: ['writeback'], message: 'needs pageout.backing: file (the flusher writes file pages only)' });
    return;
  }
  const file = file_params(s);
  if (file.size > file.disk_size) {
    ctx.addIssue({ code: 'custom', path: ['file', 'size'], message: `the file (${format_size(file.size)}) is larger than its disk, file.disk_size (${format_size(file.disk_size)})` });
  }
  if (s.pageout.size > file.size) {
    ctx.addIssue({ code: 'custom', path: ['pageout', 'size'], message: `the mapping runs past the file's end: at most file.size (${format_size(file.size)})` });
  }
  const unsupported: [string, boolean][] = [
    ['pageout_access', s.workload.pageout_access !== 'none'],
    ['race_ops', (s.workload.race_ops ?? []).length > 0],
    ['fork_at', s.workload.fork_at !== undefined],
  ];
  for (const [field, set] of unsupported) {
    if (set) ctx.addIssue({ code: 'custom', path: ['workload', field], message: 'is not modelled with pageout.backing: file (allowed: none)' });
  }
  if (large_folios) ctx.addIssue({ code: 'custom', path: ['memory'], message: 'large folios are not modelled for files: with pageout.backing: file, memory.thp and memory.mthp must be never' });
  if (s.pageout.zero_pages !== 0) ctx.addIssue({ code: 'custom', path: ['pageout', 'zero_pages'], message: 'applies to anonymous memory only: 0 with pageout.backing: file' });
}

/** The file checks of a stress scenario: file fields only with stress.backing file or mixed; the files fit their disk; the mappings end inside their files. */
export function refine_stress_files(s: ScenarioParsed, ctx: z.RefinementCtx, large_folios: boolean): void {
  const stress = stress_params(s);
  if ((s.stress?.backing ?? 'anon') !== 'anon') {
    const file = file_params(s);
    const nr_files = stress_file_count(s);
    const disk_need = nr_files * file.size;
    if (disk_need > file.disk_size) {
      ctx.addIssue({ code: 'custom', path: ['file', 'size'], message: `the file${nr_files > 1 ? 's' : ''} (${format_size(disk_need)}) ${nr_files > 1 ? 'are' : 'is'} larger than the disk, file.disk_size (${format_size(file.disk_size)})` });
    }
    const syscall = s.stress?.io === 'syscall';
    if (stress.bytes > file.size) {
      const what = syscall ? "the reads and writes run past the file's end" : "the mapping runs past the file's end";
      ctx.addIssue({ code: 'custom', path: ['stress', 'bytes'], message: `${what}: at most file.size (${format_size(file.size)})` });
    }
    if (syscall && s.stress?.mapping !== undefined) ctx.addIssue({ code: 'custom', path: ['stress', 'mapping'], message: 'maps nothing with stress.io: syscall (allowed: none)' });
    if (large_folios) ctx.addIssue({ code: 'custom', path: ['memory'], message: 'large folios are not modelled for files: with stress.backing: file, memory.thp and memory.mthp must be never' });
  } else {
    for (const field of ['mapping', 'access', 'files', 'io'] as const) {
      if (s.stress?.[field] !== undefined) ctx.addIssue({ code: 'custom', path: ['stress', field], message: 'needs stress.backing: file' });
    }
    if (s.file !== undefined) ctx.addIssue({ code: 'custom', path: ['file'], message: 'needs stress.backing: file (or pageout.backing: file)' });
    if (s.writeback !== undefined) ctx.addIssue({ code: 'custom', path: ['writeback'], message: 'needs stress.backing: file or mixed (the flusher writes file pages only)' });
  }
}
