/**
 * An error of the system (a file the command could not open, read or write: a missing folder,
 * no permission, a directory, a full disk, EIO): Node's message names the path, when it knows
 * it, and the reason, so the CLI prints it alone and exits 1.
 */
export function is_system_error(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
