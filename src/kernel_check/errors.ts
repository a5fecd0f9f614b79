/**
 * A problem the user can act on (a missing tool, an unusable image or scenario, a guest that
 * failed): the CLI prints its message without a stack trace and exits 1.
 */
export class KernelCheckError extends Error {
  readonly code = 'KERNEL_CHECK_SETUP';

  /** `console_log`: the guest's console log kept for diagnosis, when the guest ran. */
  constructor(
    message: string,
    readonly console_log: string | null = null,
  ) {
    super(console_log === null ? message : `${message}\nconsole log: ${console_log}`);
    this.name = 'KernelCheckError';
  }
}
