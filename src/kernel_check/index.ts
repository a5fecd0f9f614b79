/** reclaimsim kernel-check as a library: the model beside a real kernel booted under qemu. */
export {
  kernel_check as kernelCheck,
  kernel_check_json as kernelCheckJson,
  type KernelCheckOptions,
  type KernelCheckResult,
  type KernelSection,
} from './kernel_check.js';
export { format_kernel_check as formatKernelCheck } from './format.js';
export { KernelCheckError } from './errors.js';
export { KVM_MODES, type KvmMode } from './accelerator.js';
export { plan_experiment as planKernelExperiment, type ExperimentPlan, type GuestExperiment, type GuestFile } from './experiment.js';
export { run_guest as runGuest, type GuestRun, type GuestRunOptions } from './guest_run.js';
export { COUNT_TOLERANCE as KERNEL_CHECK_TOLERANCE, type KernelFigure, type KernelVerdict } from './comparison.js';
